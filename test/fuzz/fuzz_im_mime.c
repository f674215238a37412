#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "im_mime.h"

/* The input is a Content-Type value, a newline, and the body. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char repl[] = "v=0\r\n";
	static char out[1 << 20];
	const char *p = (const char *)data;
	const char *nl = memchr(p, '\n', size);
	im_span_t ct, body, part, again;
	size_t n;
	int r;

	if(!nl)
		return 0;
	ct.p = p;
	ct.len = (size_t)(nl - p);
	body.p = nl + 1;
	body.len = size - ct.len - 1;
	/* the part a cid: names lies inside the body too */
	r = im_mime_find_id(ct, body, (im_span_t){"list1@home1.net", 15}, &part,
			&again);
	if(r < -1 || r > 1
			|| (r == 0
					&& (part.p < body.p || part.p + part.len > body.p + body.len)))
		abort();
	r = im_mime_find(ct, body, "application/sdp", &part);
	if(r < -1 || r > 1)
		abort();
	if(r != 0)
		return 0;
	if(part.p < body.p || part.p + part.len > body.p + body.len)
		abort();
	n = im_mime_splice(body, part, repl, sizeof(repl) - 1, out, sizeof(out));
	if(n != body.len - part.len + sizeof(repl) - 1)
		abort();
	/* a single-part body is replaced whole; a multipart stays one, but
	 * for a part without a body (its headers end at the delimiter) */
	if(part.len == 0 && part.p != body.p)
		return 0;
	again.p = out;
	again.len = n;
	if(im_mime_find(ct, again, "application/sdp", &part) != 0)
		abort();
	return 0;
}
