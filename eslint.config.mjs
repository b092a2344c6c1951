// Lint rules: ESLint's and typescript-eslint's recommended sets (`npm run lint`, run in .ci/run).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'dist.*/', 'node_modules/', 'test-output/', 'tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // `_`-prefixed names are deliberately unused (callbacks with a fixed shape).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
    },
  },
  {
    rules: {
      // The parsers check for control characters on purpose (FORMAT.md: names, notes, JSON).
      'no-control-regex': 'off',
    },
  },
  // Tests poke at malformed values; `any` says so plainly.
  { files: ['test/**'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
  // The launcher is CommonJS (bin/package.json).
  {
    files: ['bin/**'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  // The verifier page runs in a browser.
  { files: ['src/page/**'], languageOptions: { globals: { ...globals.browser } } },
);
