#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "im_replaces.h"

/* The input is a Replaces value. What parses is rewritten with its own
 * Call-ID and tags: the result parses to the same three values, and a
 * second rewrite changes nothing. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char out[4096], again[4096];
	const char *s = (const char *)data;
	im_replaces_t r, r2;
	int n, m;

	if(im_replaces_parse(s, size, &r) < 0)
		return 0;
	if(r.call_id.p < s || r.to_tag.p < s || r.from_tag.p < s
			|| r.call_id.p + r.call_id.len > s + size
			|| r.to_tag.p + r.to_tag.len > s + size
			|| r.from_tag.p + r.from_tag.len > s + size)
		abort();
	n = im_replaces_rewrite(s, size, r.call_id, r.to_tag, r.from_tag, out,
			sizeof(out));
	if(n < 0)
		return size + 1 >= sizeof(out) ? 0 : (abort(), 0);
	if(im_replaces_parse(out, (size_t)n, &r2) < 0)
		abort();
	if(r2.call_id.len != r.call_id.len || r2.to_tag.len != r.to_tag.len
			|| r2.from_tag.len != r.from_tag.len
			|| memcmp(r2.call_id.p, r.call_id.p, r.call_id.len)
			|| memcmp(r2.to_tag.p, r.to_tag.p, r.to_tag.len)
			|| memcmp(r2.from_tag.p, r.from_tag.p, r.from_tag.len)
			|| r2.early_only != r.early_only)
		abort();
	m = im_replaces_rewrite(out, (size_t)n, r2.call_id, r2.to_tag,
			r2.from_tag, again, sizeof(again));
	if(m != n || memcmp(out, again, (size_t)n))
		abort();
	return 0;
}
