/*
 * A str that owns a NUL-terminated copy in Kamailio's shm, for the state
 * our modules share between processes: header-only.
 */
#ifndef IM_SHM_STR_H
#define IM_SHM_STR_H

#include <string.h>

#include "core/dprint.h"
#include "core/mem/shm_mem.h"
#include "core/str.h"

/* Replaces dst's copy with one of the len bytes at s (len 0: none).
 * 0, or -1 when shm is full (dst unchanged). */
static inline int im_shm_str_set(str *dst, const char *s, int len)
{
	char *p = NULL;

	if(len > 0) {
		p = shm_malloc(len + 1);
		if(!p) {
			SHM_MEM_ERROR;
			return -1;
		}
		memcpy(p, s, len);
		p[len] = '\0';
	}
	if(dst->s)
		shm_free(dst->s);
	dst->s = p;
	dst->len = p ? len : 0;
	return 0;
}

#endif
