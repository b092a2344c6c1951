/** `notar hash FILE...`: digests in sha256sum format (`<hex>  <name>`). */
import { digestFileHex } from './hashing.js';

const NEEDS_ESCAPE = /[\\\n\r]/;

export async function run(files: string[]): Promise<number> {
  // Output goes out in large pieces: one write per line would cost a syscall per file.
  let out = '';
  for (const file of files) {
    // sha256sum escapes names with a backslash or newline and marks the line with a leading '\'.
    if (NEEDS_ESCAPE.test(file)) {
      const name = file.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
      out += `\\${digestFileHex(file)}  ${name}\n`;
    } else out += `${digestFileHex(file)}  ${file}\n`;
    if (out.length >= 1 << 16) {
      process.stdout.write(out);
      out = '';
    }
  }
  if (out) process.stdout.write(out);
  return 0;
}
