/** `notar hash FILE...`: digests in sha256sum format (`<hex>  <name>`). */
import { toHex } from '../core/bytes.js';
import { digestFile } from './hashing.js';

export async function run(files: string[]): Promise<number> {
  const out: string[] = [];
  const flush = () => {
    process.stdout.write(out.join(''));
    out.length = 0;
  };
  for (const file of files) {
    // sha256sum escapes names with a backslash or newline and marks the line with a leading '\'.
    const escaped = /[\\\n\r]/.test(file);
    const name = escaped ? file.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r') : file;
    out.push(`${escaped ? '\\' : ''}${toHex(digestFile(file))}  ${name}\n`);
    if (out.length >= 4096) flush();
  }
  flush();
  return 0;
}
