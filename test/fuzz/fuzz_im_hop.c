#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "im_hop.h"

/* An X-IM-Hop value from anyone (im_pf checks every incoming one): no
 * input may crash the check or pass it without the secret, and a value
 * signed for the request must pass however the input looked. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char key[] = "fuzz-secret-fuzz-secret-fuzz-sec";
	im_hop_fields_t f = {{"MESSAGE", 7}, {"sip:bob@h", 9}, {"c@h", 3},
			{"sip:alice@h", 11}, {"t", 1}};
	char v[IM_HOP_VALUE_MAX];
	int n;

	if(im_hop_check(key, 32, &f, (im_span_t){(const char *)data, size},
			   1700000000, 30)
			== IM_HOP_OK)
		abort();
	/* the input as the Call-ID of a request we sign */
	f.call_id.p = (const char *)data;
	f.call_id.len = size;
	n = im_hop_sign(key, 32, &f, 1700000000, v, sizeof(v));
	if(n <= 0
			|| im_hop_check(key, 32, &f, (im_span_t){v, (size_t)n}, 1700000010,
					   30)
					   != IM_HOP_OK)
		abort();
	return 0;
}
