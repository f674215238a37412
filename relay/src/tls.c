#include "tls.h"

#include <openssl/err.h>
#include <stdio.h>

static SSL_CTX *server_ctx, *client_ctx;

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
	return 0;
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

void tls_free(void)
{
	if(server_ctx)
		SSL_CTX_free(server_ctx);
	if(client_ctx)
		SSL_CTX_free(client_ctx);
	server_ctx = client_ctx = NULL;
}
