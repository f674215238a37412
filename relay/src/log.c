#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

log_level_t log_levels[LOG_SUB_COUNT] = {
#define X(name) LOG_INFO,
		LOG_SUBSYSTEMS(X)
#undef X
};

static const char *const subsystem_names[LOG_SUB_COUNT] = {
#define X(name) #name,
		LOG_SUBSYSTEMS(X)
#undef X
};

static const char *const level_names[] = {"ERROR", "WARN", "INFO", "DEBUG"};

static FILE *log_fp;
static char *log_path;

const char *log_subsystem_name(log_subsystem_t sub)
{
	return sub < LOG_SUB_COUNT ? subsystem_names[sub] : "?";
}

int log_subsystem_parse(const char *name)
{
	for(int i = 0; i < LOG_SUB_COUNT; i++)
		if(strcmp(name, subsystem_names[i]) == 0)
			return i;
	return -1;
}

int log_level_parse(const char *name)
{
	static const char *const names[] = {"error", "warn", "info", "debug"};
	for(int i = 0; i < 4; i++)
		if(strcmp(name, names[i]) == 0)
			return i;
	return -1;
}

void log_set_all(log_level_t level)
{
	for(int i = 0; i < LOG_SUB_COUNT; i++)
		log_levels[i] = level;
}

int log_open(const char *path)
{
	FILE *fp;

	if(path == NULL || path[0] == '\0') {
		log_close();
		return 0;
	}
	fp = fopen(path, "a");
	if(fp == NULL)
		return -1;
	setvbuf(fp, NULL, _IOLBF, 0);
	log_close();
	log_fp = fp;
	log_path = strdup(path);
	return 0;
}

int log_reopen(void)
{
	char *path = log_path;
	int rc;

	if(path == NULL)
		return 0;
	log_path = NULL;
	rc = log_open(path);
	if(rc < 0)
		log_path = path; /* keep writing to the old file */
	else
		free(path);
	return rc;
}

void log_close(void)
{
	if(log_fp)
		fclose(log_fp);
	log_fp = NULL;
	free(log_path);
	log_path = NULL;
}

void log_write(log_subsystem_t sub, log_level_t level, const char *fmt, ...)
{
	FILE *out = log_fp ? log_fp : stderr;
	struct timeval tv;
	struct tm tm;
	char stamp[32];
	va_list ap;

	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	flockfile(out);
	fprintf(out, "%s.%03ld im-relay %-5s %s: ", stamp, (long)(tv.tv_usec / 1000),
			level_names[level], log_subsystem_name(sub));
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fputc('\n', out);
	funlockfile(out);
}
