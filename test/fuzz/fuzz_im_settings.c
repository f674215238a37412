/*
 * Service settings parse (lib/im_settings.c): whatever the bytes, the
 * parse yields settings that are each 0 or 1, or fails with a printable
 * reason and leaves the App E defaults; the same bytes parse the same
 * way twice (no state kept between parses).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "im_settings.h"

static int is_bit(int v)
{
	return v == 0 || v == 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[IM_SETTINGS_ERR_LEN], err2[IM_SETTINGS_ERR_LEN];
	im_settings_t s, again, defaults;
	int rc = im_settings_parse((const char *)data, size, &s, err, sizeof(err));

	if(rc < 0) {
		im_settings_defaults(&defaults);
		if(!err[0] || strpbrk(err, "\"\r\n\t")
				|| memcmp(&s, &defaults, sizeof(s)) != 0)
			abort();
	} else if(!is_bit(s.isb) || !is_bit(s.ipab) || !is_bit(s.offline_delivery)
			   || !is_bit(s.vis_status) || !is_bit(s.hist_session)
			   || !is_bit(s.hist_pager)) {
		abort();
	}
	if(im_settings_parse((const char *)data, size, &again, err2, sizeof(err2))
					!= rc
			|| memcmp(&s, &again, sizeof(s)) != 0)
		abort();
	return 0;
}
