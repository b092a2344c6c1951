/**
 * Plain words for operating-system errors, so a user reads "permission
 * denied" instead of "EACCES: permission denied, open '…'". Callers add what
 * they were doing and which file.
 */
const REASONS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'a directory is in the way',
  ENAMETOOLONG: 'file name too long',
  EFBIG: 'file too large (a file size limit was reached)',
  ELOOP: 'too many symbolic links',
  EIO: 'input/output error (failing disk?)',
};

export function osReason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return REASONS[err?.code ?? ''] ?? err?.message ?? String(e);
}
