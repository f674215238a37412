/*
 * Certificate fingerprints as SDP carries them (RFC 8122 a=fingerprint:
 * "sha-256 AB:CD:..."): the relay refuses an msrps connection whose
 * certificate is not the one the peer's SDP announced (issue 8, item 1).
 * Pure string work; the digest itself comes from tls.c.
 */
#ifndef RELAY_FINGERPRINT_H
#define RELAY_FINGERPRINT_H

#include <stddef.h>

#define FINGERPRINT_MAX 200
#define FINGERPRINT_ALG_MAX 16

/* Splits and normalises an a=fingerprint value into the hash name
 * ("sha-256", lowercase) and the digest (uppercase hex pairs joined by
 * ':'). Returns 0, or -1 with a reason in err. */
int fingerprint_parse(const char *value, char *alg, size_t alglen, char *hex,
		size_t hexlen, char *err, size_t errlen);

/* "AB:CD:..." of len digest bytes. */
void fingerprint_format(
		const unsigned char *digest, size_t len, char *out, size_t outlen);

#endif
