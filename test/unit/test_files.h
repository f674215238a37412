/* Reading golden case files for the unit tests. */
#ifndef TEST_FILES_H
#define TEST_FILES_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_buf.h"

/* The whole file into b (NUL-terminated); -1 when it cannot be read. */
static inline int read_file(const char *path, strbuf_t *b)
{
	FILE *f = fopen(path, "rb");
	char chunk[4096];
	size_t n;

	if(!f)
		return -1;
	sb_add(b, "", 0);
	while((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		sb_add(b, chunk, n);
	fclose(f);
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted names (without ext) of the files in dir ending in ext;
 * the caller frees each and the array. */
static inline char **case_names(const char *dir, const char *ext, int *count)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t elen = strlen(ext);

	*count = 0;
	if(!d)
		return NULL;
	while((e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);
		if(n <= elen || strcmp(e->d_name + n - elen, ext) != 0)
			continue;
		names = realloc(names, (size_t)(*count + 1) * sizeof(*names));
		names[*count] = strndup(e->d_name, n - elen);
		(*count)++;
	}
	closedir(d);
	qsort(names, (size_t)*count, sizeof(*names), cmp_names);
	return names;
}

#endif
