/* The CPIM header scan of the group pager (modules/im_cf/
 * im_cf_pager_check.c, D-24): any bytes; what it finds are NUL-terminated
 * values inside their buffers, and a complete header block is found the
 * same in a longer input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "im_cf_pager_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	imcf_cpim_imdn_t a, b;
	char *more;

	if(imcf_cpim_imdn((const char *)data, size, &a) < 0)
		return 0;
	if(strlen(a.message_id) >= sizeof(a.message_id)
			|| strlen(a.datetime) >= sizeof(a.datetime)
			|| strlen(a.disposition) >= sizeof(a.disposition)
			|| strlen(a.from) >= sizeof(a.from))
		abort();
	more = malloc(size + 4);
	if(!more)
		return 0;
	memcpy(more, data, size);
	memcpy(more + size, "x\r\n\r", 4);
	if(imcf_cpim_imdn(more, size + 4, &b) < 0 || memcmp(&a, &b, sizeof(a)))
		abort();
	free(more);
	return 0;
}
