/* Reading golden case files for the unit tests (include after cmocka.h). */
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

/* Runs check(name) on every case of dir ending in ext, in name order;
 * returns how many there were. */
static inline int for_each_case(
		const char *dir, const char *ext, void (*check)(const char *name))
{
	int count = 0;
	char **names = case_names(dir, ext, &count);

	for(int i = 0; i < count; i++) {
		check(names[i]);
		free(names[i]);
	}
	free(names);
	return count;
}

/* A parser's golden case: dir/name.xml into doc, dir/name.expect into
 * want. */
static inline void read_case(
		const char *dir, const char *name, strbuf_t *doc, strbuf_t *want)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s.xml", dir, name);
	assert_int_equal(read_file(path, doc), 0);
	snprintf(path, sizeof(path), "%s/%s.expect", dir, name);
	assert_int_equal(read_file(path, want), 0);
}

/* A parser's dump against its golden case. */
static inline void expect_dump(
		const char *name, const char *got, const char *want)
{
	if(strcmp(got, want) != 0)
		fail_msg("%s:\n--- got\n%s--- want\n%s", name, got, want);
}

/* A writer's result against its golden case: with want_error, it must
 * have failed with that reason; else written exactly dir/name.xml. */
static inline void expect_written(const char *dir, const char *name, int rc,
		const char *out, size_t len, const char *err, const char *want_error)
{
	char path[512];
	strbuf_t want = {0};

	if(want_error) {
		if(rc == 0)
			fail_msg("%s: written, want error %s", name, want_error);
		assert_string_equal(err, want_error);
		return;
	}
	if(rc != 0)
		fail_msg("%s: %s", name, err);
	snprintf(path, sizeof(path), "%s/%s.xml", dir, name);
	assert_int_equal(read_file(path, &want), 0);
	assert_int_equal(len, strlen(out));
	if(strcmp(out, want.p) != 0)
		fail_msg("%s:\n--- got\n%s--- want\n%s", name, out, want.p);
	free(want.p);
}

#endif
