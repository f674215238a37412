/* Session identities (modules/im_cf/im_cf_ident.c): any Request-URI;
 * whatever parses as an identity must make the same identity again. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "im_cf_ident.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	imcf_ident_fmt_t f = {"conf-", "imcf-node", ""};
	char id[40], node[32], again[512], id2[40], node2[32];
	int n;

	if(!imcf_ident_parse(&f, (const char *)data, size, id, sizeof(id), node,
			   sizeof(node)))
		return 0;
	f.node = node;
	n = imcf_ident_make(&f, id, "example.net", again, sizeof(again));
	if(n <= 0)
		abort();
	if(!imcf_ident_parse(
			   &f, again, (size_t)n, id2, sizeof(id2), node2, sizeof(node2))
			|| strcmp(id, id2) != 0 || strcmp(node, node2) != 0)
		abort();
	return 0;
}
