#include "fingerprint.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static const char *const known_algs[] = {
		"sha-1", "sha-224", "sha-256", "sha-384", "sha-512"};

int fingerprint_parse(const char *value, char *alg, size_t alglen, char *hex,
		size_t hexlen, char *err, size_t errlen)
{
	const char *sp = strchr(value, ' ');
	size_t n, out = 0, digits = 0;
	int known = 0;

	if(!sp || (n = (size_t)(sp - value)) == 0 || n >= alglen) {
		snprintf(err, errlen, "fingerprint: expected '<hash> <hex pairs>'");
		return -1;
	}
	for(size_t i = 0; i < n; i++)
		alg[i] = (char)tolower((unsigned char)value[i]);
	alg[n] = '\0';
	for(size_t i = 0; i < sizeof(known_algs) / sizeof(known_algs[0]); i++)
		known |= strcmp(alg, known_algs[i]) == 0;
	if(!known) {
		snprintf(err, errlen, "fingerprint: unknown hash %s", alg);
		return -1;
	}
	while(*sp == ' ')
		sp++;
	for(const char *p = sp; *p; p++) {
		if(isxdigit((unsigned char)*p)) {
			if(++digits > 2)
				goto bad;
		} else if(*p == ':' && digits == 2) {
			digits = 0;
		} else {
			goto bad;
		}
		if(out + 2 > hexlen)
			goto bad;
		hex[out++] = (char)toupper((unsigned char)*p);
	}
	if(digits != 2)
		goto bad;
	hex[out] = '\0';
	return 0;
bad:
	snprintf(err, errlen, "fingerprint: expected hex pairs joined by ':'");
	return -1;
}

void fingerprint_format(
		const unsigned char *digest, size_t len, char *out, size_t outlen)
{
	size_t o = 0;

	if(outlen == 0)
		return;
	out[0] = '\0';
	for(size_t i = 0; i < len && o + 3 < outlen; i++)
		o += (size_t)snprintf(out + o, outlen - o, i ? ":%02X" : "%02X",
				digest[i]);
}
