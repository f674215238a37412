/*
 * im_ua bind API: how other modules (im_pf, later im_cf and im_store) run
 * B2BUA calls on Kamailio's tm without writing SIP dialog code.
 *
 *   imua_api_t ua;
 *   if(load_im_ua_api(&ua) < 0) return -1;      (in mod_init)
 *   ua.b2b_invite(msg, &invite, key, sizeof(key));
 *
 * The owner supplies hooks for what only it knows (the SDP of each side,
 * the headers the OMA procedures add) and is told when the call ends on
 * any path, so it can release what it holds (relay legs, its app data).
 */
#ifndef IM_UA_LOAD_H
#define IM_UA_LOAD_H

#include "core/dprint.h"
#include "core/parser/msg_parser.h"
#include "core/sr_module.h"
#include "core/str.h"

typedef struct imua_call imua_call_t;

/* What a hook hands back: headers and body in pkg memory (im_ua frees
 * them), or a refusal. */
typedef struct imua_out {
	int code;	/* 0: go on; 4xx-6xx: refuse with this */
	str reason; /* static text for the refusal */
	str hdrs;	/* extra headers, each ending in CRLF (pkg) */
	str body;	/* body (pkg) */
	str ctype;	/* its Content-Type (static or pkg, not freed) */
	/* replaces our Contact on the leg answered (e.g. a decodable alias of
	 * a focus URI, D-9): user part and header parameters (pkg) */
	str contact_user, contact_params;
} imua_out_t;

/* What identifies leg B's initial INVITE, for a hook that signs it. */
typedef struct imua_leg_id {
	str method, ruri, call_id, from_uri, from_tag;
} imua_leg_id_t;

typedef struct imua_hooks {
	/* Leg B answered the initial INVITE with a 2xx: build leg A's 2xx (or
	 * refuse, and the call is torn down). */
	int (*answered)(imua_call_t *c, void *app, struct sip_msg *rpl,
			imua_out_t *out);
	/* An offer in a re-INVITE or UPDATE arrived on leg `from`: build the
	 * offer for the other leg (or refuse it, e.g. 488). */
	int (*reoffer)(imua_call_t *c, void *app, int from, struct sip_msg *req,
			imua_out_t *out);
	/* The other leg answered that offer with a 2xx: build the answer for
	 * leg `from`; the new media take effect now. */
	int (*reanswer)(imua_call_t *c, void *app, int from, struct sip_msg *rpl,
			imua_out_t *out);
	/* The call is over, whatever the path (BYE, failure, CANCEL, timeout,
	 * session-timer expiry, terminate). Called once; app is the owner's
	 * to free. */
	void (*ended)(imua_call_t *c, void *app, const char *reason);
	/* Just before leg B's initial INVITE leaves: extra headers bound to
	 * its identity (im_pf signs the hop to its own terminating function
	 * with them). May be NULL; hdrs in pkg, im_ua frees them. -1: the
	 * call fails (500). */
	int (*leg_b_headers)(void *app, const imua_leg_id_t *id, str *hdrs);
} imua_hooks_t;

typedef enum imua_refresher_pref {
	IMUA_PREF_UAC = 0, /* the side that sent the INVITE refreshes */
	IMUA_PREF_UAS,	   /* the side that answered refreshes */
} imua_refresher_pref_t;

/* Another place leg B's INVITE may reach its callee at: a registered
 * contact (Request-URI) and its next hop (received, path; empty: by the
 * contact). */
typedef struct imua_target {
	str ruri;
	str dst_uri;
} imua_target_t;

/* Leg B of a new call, and how to answer leg A. */
typedef struct imua_invite {
	str key; /* from new_key (e.g. to name the relay session first); empty:
				im_ua makes one */
	str ruri;	 /* leg B's Request-URI */
	str dst_uri; /* next hop (outbound proxy, peer); empty: by ruri */
	str from_uri, from_dname;
	str to_uri, to_dname;
	str hdrs; /* leg B INVITE headers, CRLF-terminated: Accept-Contact,
				 P-Asserted-Identity, Privacy, Content-Type ...; im_ua adds
				 Contact, Allow, Supported and the session timer */
	str body;
	str ctype; /* the body's Content-Type */
	/* appended to our Contact on leg B / on leg A's answer, e.g.
	 * ";+g.oma.sip-im" */
	str contact_params_b, contact_params_a;
	/* our Contact's user part on leg B; empty: "<key>-b" */
	str contact_user_b;
	/* Session-Expires to ask on leg B (0: none) and the refresher asked
	 * for there; the refresher chosen for leg A when its INVITE leaves
	 * the choice to us */
	unsigned int se_b;
	int refresher_b_uas; /* add ";refresher=uas" (TP-3) */
	imua_refresher_pref_t refresher_a;
	const imua_hooks_t *hooks;
	void *app;
	/* serial forking: the targets tried in this order, one at a time,
	 * after ruri/dst_uri when the one before does not answer (no response
	 * within im_ua's contact_timeout, 404, 408, 410, 480, 5xx, or it
	 * cannot be sent to); leg A gets the last target's failure */
	const imua_target_t *next_targets;
	int n_next_targets;
} imua_invite_t;

/* Facts about a call for its owner. Views valid while the call is
 * referenced. */
typedef struct imua_call_info {
	const char *key; /* for a single dialog the used leg is in 0 and 1 */
	int state; /* imua_state_t */
	str remote_target[2];
	str version[2];
	str call_id[2];
} imua_call_info_t;

/*
 * Creates a call for the INVITE msg (leg A: its tm transaction, created
 * if the caller has not, and 100 Trying) and sends leg B's INVITE.
 * Returns 1 and the call's key in key: from now on im_ua answers the
 * INVITE, and the ended hook reports the end. 0: a retransmission was
 * absorbed. -1: nothing was created or sent; rej says what to answer
 * (with reply below).
 */
typedef int (*imua_b2b_invite_f)(struct sip_msg *msg,
		const imua_invite_t *inv, char *key, int keylen, imua_out_t *rej);
/* Answers msg on its transaction (created if needed): rejections of the
 * participating function, with Warning and other headers. */
typedef int (*imua_reply_f)(struct sip_msg *msg, int code, const str *reason,
		const str *hdrs, const str *ctype, const str *body);
/* Frees what an imua_out_t holds in pkg. */
typedef void (*imua_out_free_f)(imua_out_t *out);
/* Ends a call: CANCEL/487 before an answer, BYE both legs after. A single
 * dialog: a pending UAC INVITE is CANCELled, a pending UAS INVITE gets
 * 480, a confirmed dialog a BYE. */
typedef int (*imua_terminate_f)(const str *key, const char *reason);
/* The target a request to our Contact alias maps back to (OP-5): the
 * remote target of the other leg. 1 and the URI copied to out, or -1. */
typedef int (*imua_alias_target_f)(const str *user, char *out, int outlen);
typedef int (*imua_call_info_f)(
		imua_call_t *c, imua_call_info_t *info);
typedef unsigned int (*imua_count_f)(void);
/* A fresh call key (for invite.key). */
typedef int (*imua_new_key_f)(char *key, int keylen);
/* The headers of msg that cross a B2BUA (not Via, tags, CSeq, Contact,
 * routes, lengths, credentials, session timer, ...), minus the header
 * types whose bit (1ULL << HDR_..._T) is in skip: pkg, caller frees. */
typedef int (*imua_copy_headers_f)(
		struct sip_msg *msg, unsigned long long skip, str *out);
/* A Replaces value (RFC 3891) as the party past every B2BUA call of this
 * node that the dialog it names crosses knows it (App L), into out
 * (NUL-terminated): 1 mapped, 0 none of ours or not party's (a copy), -1
 * bad value or out too small. party: who asks (the inviter); the first
 * dialog named must have it as its far end. */
typedef int (*imua_map_replaces_f)(
		const str *in, const str *party, char *out, int outlen);
/* Walks every call with its owner's app data. */
typedef void (*imua_foreach_f)(
		int (*fn)(imua_call_t *c, void *app, void *arg), void *arg);
/* Ends a call found by foreach (as terminate does). */
typedef void (*imua_end_f)(imua_call_t *c, const char *reason);
/* The callee's contacts as lookup() left them in msg: its Request-URI
 * (next hop next_hop, may be NULL) and every branch appended, by q,
 * highest first (equal q: the most recently registered first), at most
 * max (and 17). Views into msg, valid while it is processed: for
 * invite.ruri + next_targets, or uac.ruri + next_targets. */
typedef int (*imua_request_targets_f)(
		struct sip_msg *msg, const str *next_hop, imua_target_t *t, int max);

/* Single dialogs (the focus of a conference, the deferred-message push):
 * a dialog that ends at the owner rather than crossing to a second leg.
 * We are either its UAS (uas_open, uas_answer) or its UAC (uac_invite).
 * It is a call with one leg: reachable by its key, counted and listed
 * with kind "uas"/"uac", ended by terminate/end, with a session timer. */

/* Hooks of a single dialog. All may be NULL except ended. */
typedef struct imua_dlg_hooks {
	/* UAC: the INVITE got its 2xx (im_ua has ACKed it). rpl carries the
	 * answer SDP. Return 0 to keep the dialog, or non-zero: im_ua BYEs it
	 * (and ended follows). */
	int (*answered)(imua_call_t *c, void *app, struct sip_msg *rpl);
	/* UAC: the INVITE failed (final non-2xx `code`, 408 timeout, 487
	 * cancelled); ended follows at once. rpl NULL for local timeout. */
	void (*failed)(imua_call_t *c, void *app, int code, struct sip_msg *rpl);
	/* re-INVITE or UPDATE carrying an offer: fill out with the answer
	 * (body/ctype/hdrs) or a refusal (out->code 488 ...). Without a body it
	 * is a session refresh and im_ua answers it itself. */
	int (*reoffer)(imua_call_t *c, void *app, struct sip_msg *req,
			imua_out_t *out);
	/* Any other in-dialog request (REFER, SUBSCRIBE, NOTIFY, MESSAGE, INFO,
	 * OPTIONS): checked against the dialog (tags, CSeq) first. The owner
	 * answers it: return a SIP code (>=200) and im_ua replies with that
	 * code and out (hdrs/body), or return 0 when the owner replied itself
	 * (e.g. with imua_api.reply). NULL hook: 405/501 by im_ua. */
	int (*request)(imua_call_t *c, void *app, struct sip_msg *req,
			imua_out_t *out);
	/* Over on any path (BYE either way, failure, cancel, timeout,
	 * session-timer expiry, terminate). Exactly once; app is the owner's. */
	void (*ended)(imua_call_t *c, void *app, const char *reason);
	/* UAC: just before the INVITE leaves, extra headers bound to its
	 * identity (as leg_b_headers of a B2BUA call; a focus signs its hop
	 * to our own terminating function). May be NULL; hdrs in pkg. */
	int (*leg_headers)(void *app, const imua_leg_id_t *id, str *hdrs);
} imua_dlg_hooks_t;

/* We answer msg (an initial INVITE) as its UAS. */
typedef struct imua_uas {
	str key;			/* from new_key; empty: im_ua makes one */
	str contact_user;	/* our Contact user part (e.g. the session identity's
						   user); empty: "<key>-a" */
	str contact_params; /* appended to our Contact, e.g. ";isfocus" */
	str contact_host;	/* optional: host[:port] for our Contact instead of
						   the socket's address (empty: the receiving socket) */
	imua_refresher_pref_t refresher; /* when the INVITE leaves it to us */
	const imua_dlg_hooks_t *hooks;
	void *app;
} imua_uas_t;

/* Creates the dialog for INVITE msg (its tm transaction, 100 Trying). The
 * INVITE stays unanswered until uas_answer. 1 + key; 0 retransmission; -1
 * and rej (reply with imua_api.reply). */
typedef int (*imua_uas_open_f)(struct sip_msg *msg, const imua_uas_t *uas,
		char *key, int keylen, imua_out_t *rej);
/* Answers that INVITE: 18x (provisional, may repeat), 2xx (dialog confirmed
 * on ACK; ACK timeout ends it) or >=300 (the dialog ends). hdrs
 * CRLF-terminated; body/ctype may be empty. Any process, any time. */
typedef int (*imua_uas_answer_f)(const str *key, int code, const str *reason,
		const str *hdrs, const str *ctype, const str *body);

/* We send an initial INVITE as UAC. */
typedef struct imua_uac {
	str key; /* from new_key; empty: im_ua makes one */
	str ruri, dst_uri;
	str from_uri, from_dname, to_uri, to_dname;
	str hdrs; /* CRLF-terminated extra headers (PAI, Referred-By,
				 Accept-Contact, Require, recipient-list-history ...);
				 im_ua adds Contact, Allow, Supported, session timer */
	str body, ctype;
	str contact_user, contact_params, contact_host; /* as in imua_uas_t */
	unsigned int se;	/* Session-Expires asked (0: none) */
	int refresher_uas;	/* ";refresher=uas" */
	/* more targets: tried one after the other (serial forking), or with
	 * parallel all at once with ruri, the first 2xx winning (the others
	 * CANCELled, a 2xx crossing the CANCEL ACKed and BYEd); the failed
	 * hook then gets the most telling failure of all */
	const imua_target_t *next_targets;
	int n_next_targets;
	int parallel;
	const imua_dlg_hooks_t *hooks;
	void *app;
} imua_uac_t;
/* 1 + key: sent (hooks report the outcome); -1: nothing sent. */
typedef int (*imua_uac_invite_f)(const imua_uac_t *uac, char *key, int keylen);

/* Sends an in-dialog request (NOTIFY, MESSAGE, INFO; not BYE, not
 * re-INVITE) on a single dialog. cb (may be NULL) gets the final response
 * code once (408 on timeout), from any process; arg is the caller's. */
typedef void (*imua_req_cb_f)(const str *key, int code, void *arg);
typedef int (*imua_dlg_request_f)(const str *key, const str *method,
		const str *hdrs, const str *ctype, const str *body, imua_req_cb_f cb,
		void *arg);

typedef struct imua_api {
	imua_b2b_invite_f b2b_invite;
	imua_reply_f reply;
	imua_out_free_f out_free;
	imua_terminate_f terminate;
	imua_alias_target_f alias_target;
	imua_call_info_f call_info;
	imua_count_f count;
	imua_new_key_f new_key;
	imua_copy_headers_f copy_headers;
	imua_map_replaces_f map_replaces;
	imua_foreach_f foreach;
	imua_end_f end;
	/* single dialogs */
	imua_uas_open_f uas_open;
	imua_uas_answer_f uas_answer;
	imua_uac_invite_f uac_invite;
	imua_dlg_request_f dlg_request;
	imua_request_targets_f request_targets;
} imua_api_t;

typedef int (*bind_im_ua_f)(imua_api_t *api);
int bind_im_ua(imua_api_t *api);

static inline int load_im_ua_api(imua_api_t *api)
{
	bind_im_ua_f bind;

	bind = (bind_im_ua_f)find_export("bind_im_ua", NO_SCRIPT, 0);
	if(!bind) {
		LM_ERR("cannot find bind_im_ua: is im_ua loaded before?\n");
		return -1;
	}
	return bind(api);
}

#endif
