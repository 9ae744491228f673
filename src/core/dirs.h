/*
 * dirs.h — directories the daemon keeps its files in.
 */
#ifndef HOTLINE_CORE_DIRS_H
#define HOTLINE_CORE_DIRS_H

/* mkdir -p with mode 0700 for what it creates; 0 when path is (now) a
   directory, else an errno (ENOTDIR: something else is there). */
int dirs_make(const char *path);

#endif
