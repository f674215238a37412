/*
 * The service settings users publish (OMA TS 6.1.1.5, App E; SS-1): one
 * publication per user (RFC 3903 state: entity tag, expiry, the parsed
 * settings), kept in table im_settings (db/sqlite/im_server.sql) and in
 * a shared-memory table that every process reads, so that the
 * terminating checks (isb, ipab) never query the database. Written
 * through the database first, then the table, under the user's slot
 * lock: two PUBLISHes of one user are applied one after the other.
 * An expired publication no longer applies from the second it expires;
 * a timer removes it from both.
 */
#ifndef IM_PF_SETTINGS_H
#define IM_PF_SETTINGS_H

#include "core/str.h"

#include "im_settings.h"

#define IMPF_AOR_MAX 256
#define IMPF_ETAG_LEN 20

extern int impf_settings_min_expires;
extern int impf_settings_max_expires;
extern int impf_settings_default_expires;
extern int impf_settings_timer;

/* Builds the table from the database (before the children fork). */
int impf_settings_init(void);
void impf_settings_destroy(void);

/* A user's key, "sip:user@host" (host lowercase, no port or
 * parameters), from any SIP URI of his. 0, or -1 when it is not one. */
int impf_settings_key(const str *uri, char *out, int outlen);

/*
 * The effective settings of the user uri (any URI of his): the App E
 * defaults, or what he published and has not expired. 1 when published
 * settings apply, 0 for the defaults. The one function every reader
 * uses (terminating barring, deferral, history).
 */
int impf_settings_get(const str *uri, im_settings_t *s);

typedef enum impf_pub_result {
	IMPF_PUB_OK = 0,
	IMPF_PUB_NO_MATCH = -1, /* SIP-If-Match names no live publication */
	IMPF_PUB_ERROR = -2,	/* database or memory */
} impf_pub_result_t;

/*
 * One RFC 3903 step for user key: if_match NULL (initial, replaces what
 * the user had) or the entity tag a refresh/modify/remove names; s NULL
 * (refresh: the settings stay) or the new settings; expires 0 removes.
 * On IMPF_PUB_OK etag (IMPF_ETAG_LEN + 1 bytes) holds the new entity tag
 * (empty after a removal).
 */
impf_pub_result_t impf_settings_publish(const char *key, const str *if_match,
		const im_settings_t *s, int expires, char *etag);

/* One publication as the RPC shows it. */
typedef struct impf_settings_info {
	char aor[IMPF_AOR_MAX];
	char etag[IMPF_ETAG_LEN + 1];
	long long expires; /* unix time */
	im_settings_t s;
} impf_settings_info_t;

/* Calls fn for each live publication (a copy, no lock held); fn returns
 * non-zero to stop. Returns how many were visited. */
int impf_settings_foreach(
		int (*fn)(const impf_settings_info_t *i, void *arg), void *arg);
/* The live publication of the user uri: 1, 0 none. */
int impf_settings_find(const str *uri, impf_settings_info_t *out);

/* An operator removes the publication of the user uri: 1 removed, 0
 * there was none, -1 database error. */
int impf_settings_remove(const str *uri);

/* Timer: expired publications leave the database and the table. */
void impf_settings_timer_tick(unsigned int ticks, void *param);

#endif
