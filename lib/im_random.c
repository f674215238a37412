#include <stdatomic.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "im_random.h"

/* When the kernel will not answer (it always does on Linux after boot),
 * a mix of what differs between processes and calls. Never a secret. */
static void fallback(unsigned char *buf, size_t len)
{
	static _Atomic uint64_t counter;
	struct timespec ts;
	uint64_t x;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	x = ((uint64_t)getpid() << 40) ^ (uint64_t)ts.tv_nsec
		^ ((uint64_t)ts.tv_sec << 20) ^ (atomic_fetch_add(&counter, 1) << 8);
	for(size_t i = 0; i < len; i++) {
		/* splitmix64 step per 8 bytes */
		if(i % 8 == 0) {
			x += 0x9e3779b97f4a7c15ULL;
			x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
			x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
			x ^= x >> 31;
		}
		buf[i] = (unsigned char)(x >> (8 * (i % 8)));
	}
}

static void fill(void *buf, size_t len)
{
	if(getrandom(buf, len, GRND_NONBLOCK) != (ssize_t)len)
		fallback(buf, len);
}

uint32_t im_random32(void)
{
	uint32_t r;

	fill(&r, sizeof(r));
	return r;
}

void im_random_hex(char *out, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[64];

	while(n > 0) {
		size_t take = n > 2 * sizeof(raw) ? 2 * sizeof(raw) : n;

		fill(raw, (take + 1) / 2);
		for(size_t i = 0; i < take; i++)
			*out++ = hex[(raw[i / 2] >> (i % 2 ? 4 : 0)) & 0xf];
		n -= take;
	}
	*out = '\0';
}
