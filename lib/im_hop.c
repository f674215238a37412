#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "im_hop.h"

#define MAC_LEN 32

/* Each field goes in with its length in front, so that no choice of
 * field contents can make two different requests share an input. */
static int mac_add(EVP_MAC_CTX *ctx, im_span_t s)
{
	unsigned char len[4] = {(unsigned char)(s.len >> 24),
			(unsigned char)(s.len >> 16), (unsigned char)(s.len >> 8),
			(unsigned char)s.len};

	return EVP_MAC_update(ctx, len, sizeof(len))
		   && (s.len == 0
				   || EVP_MAC_update(ctx, (const unsigned char *)s.p, s.len));
}

static int compute(const unsigned char *key, size_t keylen,
		const im_hop_fields_t *f, const char *ts, size_t tslen,
		unsigned char mac[MAC_LEN])
{
	EVP_MAC *hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = hmac ? EVP_MAC_CTX_new(hmac) : NULL;
	OSSL_PARAM params[] = {
			OSSL_PARAM_construct_utf8_string(
					OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
			OSSL_PARAM_construct_end()};
	im_span_t t = {ts, tslen};
	size_t n = 0;
	int ok;

	ok = ctx && EVP_MAC_init(ctx, key, keylen, params)
		 && mac_add(ctx, f->method) && mac_add(ctx, f->ruri)
		 && mac_add(ctx, f->call_id) && mac_add(ctx, f->from_uri)
		 && mac_add(ctx, f->from_tag) && mac_add(ctx, t)
		 && EVP_MAC_final(ctx, mac, &n, MAC_LEN) && n == MAC_LEN;
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(hmac);
	return ok ? 0 : -1;
}

int im_hop_sign(const unsigned char *key, size_t keylen,
		const im_hop_fields_t *f, time_t ts, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char mac[MAC_LEN];
	char tsbuf[24];
	int tslen = snprintf(tsbuf, sizeof(tsbuf), "%lld", (long long)ts);

	if(tslen <= 0 || (size_t)tslen + 1 + 2 * MAC_LEN + 1 > outlen
			|| compute(key, keylen, f, tsbuf, (size_t)tslen, mac) < 0)
		return -1;
	memcpy(out, tsbuf, (size_t)tslen);
	out[tslen] = ';';
	for(int i = 0; i < MAC_LEN; i++) {
		out[tslen + 1 + 2 * i] = hex[mac[i] >> 4];
		out[tslen + 2 + 2 * i] = hex[mac[i] & 0xf];
	}
	out[tslen + 1 + 2 * MAC_LEN] = '\0';
	return tslen + 1 + 2 * MAC_LEN;
}

im_hop_verdict_t im_hop_check(const unsigned char *key, size_t keylen,
		const im_hop_fields_t *f, im_span_t value, time_t now, int max_age)
{
	unsigned char want[MAC_LEN], got[MAC_LEN];
	const char *p = value.p, *end = value.p + value.len, *semi;
	long long ts = 0;
	size_t tslen;

	while(p < end && (*p == ' ' || *p == '\t'))
		p++;
	while(end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	semi = memchr(p, ';', (size_t)(end - p));
	if(!semi || semi == p || semi - p > 18 || end - (semi + 1) != 2 * MAC_LEN)
		return IM_HOP_MALFORMED;
	tslen = (size_t)(semi - p);
	for(const char *d = p; d < semi; d++) {
		if(*d < '0' || *d > '9')
			return IM_HOP_MALFORMED;
		ts = ts * 10 + (*d - '0');
	}
	for(int i = 0; i < MAC_LEN; i++) {
		int hi = im_hex_value(semi[1 + 2 * i]), lo = im_hex_value(semi[2 + 2 * i]);
		if(hi < 0 || lo < 0)
			return IM_HOP_MALFORMED;
		got[i] = (unsigned char)(hi << 4 | lo);
	}
	if(ts > (long long)now + max_age || ts < (long long)now - max_age)
		return IM_HOP_STALE;
	if(compute(key, keylen, f, p, tslen, want) < 0
			|| CRYPTO_memcmp(want, got, MAC_LEN) != 0)
		return IM_HOP_BAD_MAC;
	return IM_HOP_OK;
}

const char *im_hop_verdict_text(im_hop_verdict_t v)
{
	switch(v) {
		case IM_HOP_OK:
			return "valid";
		case IM_HOP_MALFORMED:
			return "malformed";
		case IM_HOP_STALE:
			return "outside its time window";
		case IM_HOP_BAD_MAC:
			return "wrong signature";
	}
	return "?";
}
