#include "im_cpim.h"

#include <string.h>

int im_cpim_parse_head(const char *p, size_t n, im_cpim_head_t *h)
{
	size_t pos = 0;

	memset(h, 0, sizeof(*h));
	for(;;) {
		const char *eol = pos < n ? memchr(p + pos, '\n', n - pos) : NULL;
		size_t len, name_len, v;
		const char *colon;

		if(!eol)
			return 0;
		len = (size_t)(eol - (p + pos));
		if(len == 0 || p[pos + len - 1] != '\r')
			return -1; /* lines end with CRLF */
		len--;
		if(len == 0) {
			h->head_len = (size_t)(eol - p) + 1;
			return h->from.p ? 1 : -1;
		}
		colon = memchr(p + pos, ':', len);
		if(!colon || colon == p + pos)
			return -1;
		name_len = (size_t)(colon - (p + pos));
		v = name_len + 1;
		while(v < len && (p[pos + v] == ' ' || p[pos + v] == '\t'))
			v++;
		if(name_len == 4 && memcmp(p + pos, "From", 4) == 0) {
			if(h->from.p)
				return -1;
			h->from.p = p + pos + v;
			h->from.len = len - v;
		} else if(name_len == 2 && memcmp(p + pos, "To", 2) == 0) {
			if(h->nto == IM_CPIM_MAX_TO)
				return -1;
			h->to[h->nto].p = p + pos + v;
			h->to[h->nto].len = len - v;
			h->nto++;
		}
		pos = (size_t)(eol - p) + 1;
	}
}
