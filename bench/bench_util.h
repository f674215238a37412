/* Helpers the benchmark load tools share. */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* Monotonic seconds, for rates and deadlines. */
static inline double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A system call the tool cannot go on without failed. */
static inline void die(const char *what)
{
	perror(what);
	exit(1);
}

#endif
