#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "im_sdp.h"

static int span_is(im_span_t s, const char *lit)
{
	return s.len == strlen(lit) && memcmp(s.p, lit, s.len) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const im_sdp_rewrite_t rw = {"msrp://[2001:db8::1]:40001/f;tcp",
			"2001:db8::1", 1, 40001, IM_SETUP_PASSIVE, 1, 7, 8, "sha-256 01:02"};
	static char out[1 << 20]; /* short c= lines grow 8-fold */
	const char *sdp = (const char *)data;
	im_sdp_msrp_t m, back;
	int no_msrp;
	const char *err;
	char host[256];
	unsigned port;
	int ipv6;
	size_t n;

	if(im_msrp_path_addr(sdp, size, host, sizeof(host), &port, &ipv6) == 0
			&& (port == 0 || port > 65535 || strlen(host) == 0))
		abort();
	if(im_sdp_parse_msrp(sdp, size, &m, &no_msrp, &err) < 0) {
		if(!err)
			abort();
		return 0;
	}
	if(m.port == 0 || !m.path.len || !m.conn_ip.len)
		abort();
	if(im_msrp_path_addr(m.path.p, m.path.len, host, sizeof(host), &port, &ipv6)
			< 0)
		abort(); /* the parse checked every path URI */
	n = im_sdp_rewrite(sdp, size, &m, &rw, out, sizeof(out));
	if(n == 0 || im_sdp_rewrite_len(sdp, size, &m, &rw) != n)
		abort();
	/* exactly the length needed fits, one byte less does not */
	if(im_sdp_rewrite(sdp, size, &m, &rw, out, n) != n
			|| im_sdp_rewrite(sdp, size, &m, &rw, out, n - 1) != 0)
		abort();
	/* what was written parses back to what was asked */
	if(n > IM_SDP_MAX_LEN)
		return 0;
	if(im_sdp_parse_msrp(out, n, &back, &no_msrp, &err) < 0)
		abort();
	if(back.port != rw.port || !span_is(back.path, rw.path)
			|| !span_is(back.conn_ip, rw.ip) || back.ipv6 != rw.ipv6
			|| back.setup != rw.setup || back.cema != rw.cema
			|| back.media_index != m.media_index || back.tls != m.tls)
		abort();
	return 0;
}
