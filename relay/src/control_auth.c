#include "control_auth.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <string.h>

#include "jsonrpc.h"

static int digest(const void *data, size_t len, unsigned char *out)
{
	unsigned int n = 0;
	return EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) == 1 && n == 32;
}

int control_auth_match(const char *secret, const char *given, size_t given_len)
{
	unsigned char want[EVP_MAX_MD_SIZE], got[EVP_MAX_MD_SIZE];

	if(secret == NULL || given == NULL)
		return 0;
	if(!digest(secret, strlen(secret), want) || !digest(given, given_len, got))
		return 0;
	return CRYPTO_memcmp(want, got, 32) == 0;
}

int control_auth_line(const char *secret, const char *line, size_t len,
		char **reply, size_t *reply_len, const char **why)
{
	jsonrpc_request_t req;
	const char *errmsg = NULL;
	json_t *given;
	int ok = 0;

	if(jsonrpc_parse(line, len, &req, &errmsg) != 0
			|| strcmp(req.method, "auth") != 0) {
		/* the id is not echoed: nothing of an unauthenticated request is
		 * acted upon or reflected */
		*why = "authentication required";
		*reply = jsonrpc_reply_error(NULL, CONTROL_AUTH_ERROR,
				"authentication required: send auth first", reply_len);
		jsonrpc_request_free(&req);
		return 0;
	}
	given = json_is_object(req.params) ? json_object_get(req.params, "secret")
									   : NULL;
	if(json_is_string(given))
		ok = control_auth_match(secret, json_string_value(given),
				json_string_length(given));
	if(ok) {
		*reply = jsonrpc_reply_result(
				req.id, json_pack("{s:b}", "authenticated", 1), reply_len);
	} else {
		*why = json_is_string(given) ? "wrong secret" : "no secret given";
		*reply = jsonrpc_reply_error(req.id, CONTROL_AUTH_ERROR,
				"authentication failed", reply_len);
	}
	jsonrpc_request_free(&req);
	return ok;
}
