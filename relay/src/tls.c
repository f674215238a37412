#include "tls.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>

#include "fingerprint.h"

static SSL_CTX *server_ctx, *client_ctx;
/* a=fingerprint of our certificate, for the SDP that points to us */
static char local_fingerprint[FINGERPRINT_ALG_MAX + FINGERPRINT_MAX];

/* Clients of msrps present self-signed certificates: what authenticates
 * them is the fingerprint their SDP announced (RFC 4572, RFC 8122), which
 * the engine compares once the connection names its leg. */
static int accept_any_certificate(int preverified, X509_STORE_CTX *ctx)
{
	(void)preverified;
	(void)ctx;
	return 1;
}

static int fail(char *err, size_t errlen, const char *what)
{
	unsigned long e = ERR_get_error();
	char reason[256];

	ERR_error_string_n(e, reason, sizeof(reason));
	snprintf(err, errlen, "%s: %s", what, e ? reason : "unknown error");
	return -1;
}

int tls_init(const tls_config_t *cfg, int need_server, char *err, size_t errlen)
{
	client_ctx = SSL_CTX_new(TLS_client_method());
	if(!client_ctx)
		return fail(err, errlen, "TLS client context");
	SSL_CTX_set_min_proto_version(client_ctx, TLS1_2_VERSION);
	if(cfg->verify_peer) {
		SSL_CTX_set_verify(client_ctx, SSL_VERIFY_PEER, NULL);
		if(cfg->ca_file ? SSL_CTX_load_verify_locations(client_ctx, cfg->ca_file, NULL) != 1
						: SSL_CTX_set_default_verify_paths(client_ctx) != 1)
			return fail(err, errlen, "tls_ca");
	}
	if(!need_server)
		return 0;
	if(!cfg->cert_file || !cfg->key_file) {
		snprintf(err, errlen, "msrps_listen needs tls_cert and tls_key");
		return -1;
	}
	server_ctx = SSL_CTX_new(TLS_server_method());
	if(!server_ctx)
		return fail(err, errlen, "TLS server context");
	SSL_CTX_set_min_proto_version(server_ctx, TLS1_2_VERSION);
	if(SSL_CTX_use_certificate_chain_file(server_ctx, cfg->cert_file) != 1)
		return fail(err, errlen, "tls_cert");
	if(SSL_CTX_use_PrivateKey_file(server_ctx, cfg->key_file, SSL_FILETYPE_PEM) != 1)
		return fail(err, errlen, "tls_key");
	if(SSL_CTX_check_private_key(server_ctx) != 1)
		return fail(err, errlen, "tls_key does not match tls_cert");
	SSL_CTX_set_verify(server_ctx, SSL_VERIFY_PEER, accept_any_certificate);
	/* as a client too the relay shows the certificate its SDP announces */
	if(SSL_CTX_use_certificate_chain_file(client_ctx, cfg->cert_file) != 1
			|| SSL_CTX_use_PrivateKey_file(
					   client_ctx, cfg->key_file, SSL_FILETYPE_PEM)
					   != 1)
		return fail(err, errlen, "tls_cert for outgoing connections");
	{
		X509 *cert = SSL_CTX_get0_certificate(server_ctx);
		unsigned char digest[EVP_MAX_MD_SIZE];
		unsigned int len = 0;
		char hex[FINGERPRINT_MAX];

		if(!cert || X509_digest(cert, EVP_sha256(), digest, &len) != 1)
			return fail(err, errlen, "tls_cert digest");
		fingerprint_format(digest, len, hex, sizeof(hex));
		snprintf(local_fingerprint, sizeof(local_fingerprint), "sha-256 %s",
				hex);
	}
	return 0;
}

const char *tls_local_fingerprint(void)
{
	return local_fingerprint[0] ? local_fingerprint : NULL;
}

int tls_enabled(void)
{
	return server_ctx != NULL;
}

SSL *tls_new_server(void)
{
	return server_ctx ? SSL_new(server_ctx) : NULL;
}

SSL *tls_new_client(void)
{
	return client_ctx ? SSL_new(client_ctx) : NULL;
}

int tls_peer_fingerprint(SSL *ssl, const char *alg, char *out, size_t outlen)
{
	static const struct {
		const char *sdp, *openssl;
	} names[] = {{"sha-1", "SHA1"}, {"sha-224", "SHA224"},
			{"sha-256", "SHA256"}, {"sha-384", "SHA384"},
			{"sha-512", "SHA512"}};
	const EVP_MD *md = NULL;
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	X509 *cert;
	int ok;

	for(size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if(strcmp(alg, names[i].sdp) == 0)
			md = EVP_get_digestbyname(names[i].openssl);
	if(!md || !(cert = SSL_get1_peer_certificate(ssl)))
		return -1;
	ok = X509_digest(cert, md, digest, &len) == 1;
	X509_free(cert);
	if(!ok)
		return -1;
	fingerprint_format(digest, len, out, outlen);
	return 0;
}

void tls_free(void)
{
	if(server_ctx)
		SSL_CTX_free(server_ctx);
	if(client_ctx)
		SSL_CTX_free(client_ctx);
	server_ctx = client_ctx = NULL;
	local_fingerprint[0] = '\0';
}
