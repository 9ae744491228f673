/*
 * dirs.c — create a directory and its parents, private to the daemon's
 * user, and check that what ends up there is a directory.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include "dirs.h"

int dirs_make(const char *path)
{
	char buf[PATH_MAX];
	struct stat st;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return ENAMETOOLONG;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) && errno != EEXIST)
			return errno;
		*p = '/';
	}
	if (mkdir(buf, 0700) && errno != EEXIST)
		return errno;
	if (stat(buf, &st))
		return errno;
	return S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
}
