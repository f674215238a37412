#include <strings.h>

#include "im_sdp.h"

#include "im_cf_accept.h"

static int token_is(const char *t, size_t n, const char *want)
{
	size_t k = 0;

	while(want[k])
		k++;
	return n == k && strncasecmp(t, want, n) == 0;
}

int imcf_types_take_cpim(const char *types, size_t len)
{
	size_t i = 0, start;

	while(i < len) {
		while(i < len && (types[i] == ' ' || types[i] == '\t'))
			i++;
		start = i;
		while(i < len && types[i] != ' ' && types[i] != '\t')
			i++;
		if(i > start
				&& (token_is(types + start, i - start, "message/cpim")
						|| token_is(types + start, i - start, "message/*")
						|| token_is(types + start, i - start, "*")))
			return 1;
	}
	return 0;
}

int imcf_sdp_takes_cpim(const char *sdp, size_t len)
{
	im_sdp_msrp_t m;
	const char *err = NULL;
	int no_msrp = 0;

	/* a body the relay refuses gets the relay's own 488 and reason */
	if(im_sdp_parse_msrp(sdp, len, &m, &no_msrp, &err) < 0)
		return 1;
	return imcf_types_take_cpim(m.accept_types.p, m.accept_types.len);
}
