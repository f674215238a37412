/*
 * Control-channel client: one persistent connection per Kamailio process
 * and relay, JSON-RPC 2.0 with one object per line, every exchange bounded
 * by imr_timeout_ms (connect + write + read together), so a relay that
 * hangs costs a SIP worker at most that long.
 */
#ifndef IM_RELAY_CONN_H
#define IM_RELAY_CONN_H

#include <jansson.h>

#include "core/str.h"

#include "im_relay_set.h"

extern int imr_timeout_ms;
extern int imr_max_reply_size;
/* shared secret for tcp: relays (issue 8): the value, or a file whose
 * first line it is; unix: relays are guarded by the socket's file mode */
extern str imr_control_secret;
extern str imr_control_secret_file;

/* mod_init: loads the secret. 0, or -1 (logged). */
int imr_conn_init(void);

typedef enum imr_call_status {
	IMR_CALL_OK = 0,
	IMR_CALL_RPC_ERROR = -1, /* the relay answered with a JSON-RPC error */
	IMR_CALL_FAILED = -2,	 /* connect, I/O, timeout or protocol failure */
} imr_call_status_t;

/*
 * Calls method on relay r. params (may be NULL) is borrowed. On IMR_CALL_OK,
 * *result holds a new reference the caller must json_decref(). Otherwise err
 * says why. Updates the relay's counters and state.
 */
imr_call_status_t imr_call(imr_relay_t *r, const char *method, json_t *params,
		json_t **result, char *err, size_t errlen);

/* Sends method without waiting for its answer (read and dropped before
 * the next imr_call's): for what the caller cannot act upon anyway, such
 * as destroying a session. 0, or -1 with err. */
int imr_post(imr_relay_t *r, const char *method, json_t *params, char *err,
		size_t errlen);

/* Closes this process's connections (shutdown, or after a fork). */
void imr_conn_close_all(void);

#endif
