/*
 * The dialog state of a leg at its start: leg A from the INVITE we
 * answer (UAS), leg B from the INVITE we send (UAC) and from its 2xx.
 * Shared by B2BUA calls (im_ua_invite.c) and single dialogs
 * (im_ua_dlg.c).
 */
#ifndef IM_UA_LEG_H
#define IM_UA_LEG_H

#include "core/parser/msg_parser.h"
#include "core/str.h"

#include "im_ua_call.h"
#include "im_ua_load.h"

/* How our UAS leg presents itself: Contact user part (empty: "<key>-a"),
 * parameters and host (empty: the receiving socket), and the refresher
 * chosen when the INVITE leaves it to us. */
typedef struct imua_leg_a_spec {
	str contact_user, contact_params, contact_host;
	imua_refresher_pref_t refresher;
} imua_leg_a_spec_t;

/* Leg B's initial INVITE. */
typedef struct imua_leg_b_spec {
	str ruri, dst_uri, from_uri, from_dname, to_uri, to_dname;
	str hdrs, body, ctype;
	str contact_user, contact_params, contact_host;
	unsigned int se;
	int refresher_uas;
	const imua_target_t *next_targets;
	int n_next_targets;
} imua_leg_b_spec_t;

/* Checks an initial INVITE (tags, Require, Session-Expires) and gets its
 * transaction (100 Trying not sent yet). 1 and its ident; 0 a
 * retransmission; -1 and rej. */
int imua_invite_check(struct sip_msg *msg, unsigned int *hash,
		unsigned int *label, imua_out_t *rej);
/* A new call under key (empty: a new key); NULL and rej on failure. */
imua_call_t *imua_call_new_key(const str *key, imua_out_t *rej);
/* The call for an initial INVITE msg as its UAS: checked, its
 * transaction taken, leg A made and waiting for our answer, not reachable
 * yet (imua_uas_publish). 1 and *cp (the caller's reference); 0 a
 * retransmission; -1 and rej. */
int imua_uas_call(struct sip_msg *msg, const str *key,
		const imua_leg_a_spec_t *a, imua_call_t **cp, imua_out_t *rej);
/* Makes the call reachable and sends 100 Trying for its INVITE. */
void imua_uas_publish(imua_call_t *c, struct sip_msg *msg);
/* Leg A from msg; -1 and rej. */
int imua_leg_a_make(imua_call_t *c, struct sip_msg *msg,
		const imua_leg_a_spec_t *spec, imua_out_t *rej);
/* Leg B as its INVITE will leave; user gets our Contact's user part. */
int imua_leg_b_make(imua_call_t *c, const imua_leg_b_spec_t *spec,
		char *user, int usersize);
/* Leg B's dialog from its 2xx (RFC 3261 12.1.2), under the call lock. */
int imua_leg_b_from_2xx(imua_call_t *c, struct sip_msg *rpl);
/* The provisional or final response on leg A's pending INVITE: our tag
 * and Contact; 0 sent. Takes the call lock. final: the INVITE is
 * answered. */
int imua_leg_a_answer(imua_call_t *c, int code, const str *reason,
		const str *hdrs, const str *body, int final);

#endif
