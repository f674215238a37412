/*
 * TLS for msrps (RFC 4975 section 6.1 / RFC 4572 style certificates):
 * one server context for accepted connections, one client context for
 * legs the relay connects. Both built once at start-up from the config.
 */
#ifndef RELAY_TLS_H
#define RELAY_TLS_H

#include <openssl/ssl.h>
#include <stddef.h>

typedef struct tls_config {
	const char *cert_file;
	const char *key_file;
	const char *ca_file; /* verify peers we connect to; NULL: system CAs */
	int verify_peer;
} tls_config_t;

/* Returns 0, or -1 with a reason (OpenSSL's) in err. */
int tls_init(const tls_config_t *cfg, int need_server, char *err, size_t errlen);
SSL *tls_new_server(void);
SSL *tls_new_client(void);
/* The digest (hash name as SDP spells it) of the peer's certificate, as
 * "AB:CD:..."; -1 when it sent none. */
int tls_peer_fingerprint(SSL *ssl, const char *alg, char *out, size_t outlen);
/* "sha-256 AB:..." of our certificate; NULL without msrps. */
const char *tls_local_fingerprint(void);
void tls_free(void);
int tls_enabled(void);

#endif
