/*
 * Ts1 (OMA TS 5.4 and section 9; OP-1 step 2): a system message that
 * needs the user's response leaves him "response pending" from its 2xx
 * on. Once Ts1 seconds have passed without the response, his requests
 * through the originating function get 403 + Error-Info, until the
 * response is recorded (RPC im_pf.system_response in im_pf_rpc.c, called
 * by whatever takes it, or the user's POST to the hosted document,
 * im_pf_sysdoc.c). Ts1 0 blocks at once. One table in shm per node,
 * filled again at start from the documents still owed a response
 * (table im_sysdoc).
 */
#ifndef IM_PF_TS1_H
#define IM_PF_TS1_H

#include <time.h>

#include "core/str.h"

extern int impf_ts1;			   /* seconds, >= 0 */
extern str impf_ts1_error_info; /* Error-Info URI; empty: sip:system@host */

int impf_ts1_init(void);
void impf_ts1_destroy(void);

/* user (any URI of his) owes a response from now on: 0, -1 when the
 * table is full or the URI is not one. */
int impf_ts1_start(const str *user);
/* the same from since on (the oldest one owed counts) */
int impf_ts1_start_at(const str *user, time_t since);
/* 1 when user owes a response and Ts1 has run out at now: the Error-Info
 * URI for him in out. 0 otherwise. */
int impf_ts1_blocked(const str *user, time_t now, char *out, int outlen);

/* user's response came: 1 when one was pending, 0 none, -1 not a URI. */
int impf_ts1_clear(const str *user);
/* fn for each user who owes a response, under the table's lock. */
void impf_ts1_foreach(void (*fn)(const char *user, int seconds, int blocked,
							  void *arg),
		void *arg);

#endif
