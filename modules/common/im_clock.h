/* A monotonic clock for timeouts: it must not jump with the wall clock. */
#ifndef IM_CLOCK_H
#define IM_CLOCK_H

#include <time.h>

static inline long long im_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000LL + ts.tv_nsec / 1000000LL;
}

#endif
