/** `notar hash FILE...`: digests in sha256sum format (`<hex>  <name>`). */
import { digestFileHexSoon } from './hashing.js';

const NEEDS_ESCAPE = /[\\\n\r]/;

export async function run(files: string[]): Promise<number> {
  // Output goes out in large pieces: one write per line would cost a syscall per file.
  let out = '';
  for (const file of files) {
    // sha256sum escapes names with a backslash or newline and marks the line with a leading '\'.
    const soon = digestFileHexSoon(file);
    const hex = typeof soon === 'string' ? soon : await soon;
    if (NEEDS_ESCAPE.test(file)) {
      const name = file.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
      out += `\\${hex}  ${name}\n`;
    } else out += `${hex}  ${file}\n`;
    if (out.length >= 1 << 16) {
      process.stdout.write(out);
      out = '';
    }
  }
  if (out) process.stdout.write(out);
  return 0;
}
