#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "im_addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	im_addr_t a, b;
	char err[128], text[256];
	int n;

	if(im_addr_parse((const char *)data, size, &a, err, sizeof(err)) < 0)
		return 0;
	/* whatever parses must format to something that parses the same */
	n = im_addr_format(&a, text, sizeof(text));
	if(n <= 0 || (size_t)n >= sizeof(text))
		abort();
	if(im_addr_parse(text, (size_t)n, &b, err, sizeof(err)) < 0)
		abort();
	if(a.proto != b.proto || a.salen != b.salen || memcmp(&a.sa, &b.sa, a.salen) != 0)
		abort();
	return 0;
}
