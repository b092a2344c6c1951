/*
 * The file system's floor for `stamp`'s receipt files (bench/figures.mjs):
 * for each name in a NUL-separated list, write SIZE bytes to OUT/<name>.notar.json
 * atomically as notar does (create a temp name exclusively, write, close,
 * rename; no fsync, like receipts), and nothing else.
 * Usage: atomic-files LIST0 OUT SIZE
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void mkdirs(char *dir) {
  for (char *p = dir + 1; *p; p++) {
    if (*p != '/') continue;
    *p = 0;
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) { perror(dir); exit(1); }
    *p = '/';
  }
  if (mkdir(dir, 0755) != 0 && errno != EEXIST) { perror(dir); exit(1); }
}

int main(int argc, char **argv) {
  if (argc != 4) { fprintf(stderr, "usage: atomic-files LIST0 OUT SIZE\n"); return 2; }
  FILE *list = fopen(argv[1], "rb");
  if (!list) { perror(argv[1]); return 1; }
  size_t size = (size_t)atol(argv[3]);
  char *body = malloc(size);
  memset(body, 'x', size);
  char name[8192], file[9000], tmp[9100], dir[9000], lastdir[9000] = "";
  size_t n = 0;
  int c;
  while ((c = fgetc(list)) != EOF) {
    if (c != 0) { if (n < sizeof name - 1) name[n++] = (char)c; continue; }
    name[n] = 0;
    n = 0;
    snprintf(file, sizeof file, "%s/%s.notar.json", argv[2], name);
    snprintf(dir, sizeof dir, "%s", file);
    char *slash = strrchr(dir, '/');
    *slash = 0;
    if (strcmp(dir, lastdir) != 0) { mkdirs(dir); snprintf(lastdir, sizeof lastdir, "%s", dir); }
    snprintf(tmp, sizeof tmp, "%s/.notar-%d.tmp", dir, (int)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0 || write(fd, body, size) != (ssize_t)size || close(fd) != 0 || rename(tmp, file) != 0) { perror(file); return 1; }
  }
  return 0;
}
