/* The CPIM IMDN header scan of the group pager and the store (lib/
 * im_cpim.c, D-24): any bytes; what it finds are NUL-terminated
 * values inside their buffers, and a complete header block is found the
 * same in a longer input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "im_cpim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	im_cpim_imdn_t a, b;
	char *more;

	if(im_cpim_imdn((const char *)data, size, &a) < 0)
		return 0;
	if(strlen(a.message_id) >= sizeof(a.message_id)
			|| strlen(a.datetime) >= sizeof(a.datetime)
			|| strlen(a.disposition) >= sizeof(a.disposition)
			|| strlen(a.from) >= sizeof(a.from)
			|| strlen(a.to) >= sizeof(a.to))
		abort();
	more = malloc(size + 4);
	if(!more)
		return 0;
	memcpy(more, data, size);
	memcpy(more + size, "x\r\n\r", 4);
	if(im_cpim_imdn(more, size + 4, &b) < 0 || memcmp(&a, &b, sizeof(a)))
		abort();
	free(more);
	return 0;
}
