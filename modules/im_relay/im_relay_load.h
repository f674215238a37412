/*
 * im_relay bind API: the media side of SIP sessions for other modules: a
 * B2BUA call's bridge (below), and conference and endpoint sessions
 * (further down) whose legs each face one party.
 *
 * A bridge is one relay session with two legs, "a" facing party 0 (the
 * one whose INVITE we answer) and "b" facing party 1 (the one we invite).
 * An offer from one party sets both legs up and gives the offer for the
 * other party (c=, m= port, a=path of the relay, a=setup and a=msrp-cema
 * as each party understands them, D-19); the answer to it completes the
 * legs and gives the answer for the offerer (OP-3, TP-3, OP-4, TP-4).
 *
 *   imr_api_t relay;
 *   if(load_im_relay_api(&relay) < 0) return -1;     (in mod_init)
 *
 * imr_bridge_t holds no pointers: the caller keeps it in shm with its
 * call and may use it from any process.
 */
#ifndef IM_RELAY_LOAD_H
#define IM_RELAY_LOAD_H

#include "core/dprint.h"
#include "core/sr_module.h"
#include "core/str.h"

#define IMR_SESSION_ID_MAX 48
#define IMR_PATH_MAX 192
#define IMR_FINGERPRINT_MAX 112 /* "sha-256 " and 32 hex pairs */

typedef struct imr_side {
	int created;	   /* its relay leg exists */
	int relay_active;  /* the relay connects to this party */
	int uses_setup;	   /* the party writes a=setup (RFC 6135) */
	int cema;		   /* the party offered a=msrp-cema (RFC 6714) */
	int tls, ipv6;
	unsigned long long sess_id, sess_version; /* our o= towards it */
	char local_path[IMR_PATH_MAX];
	/* msrps: the relay leg's certificate, for our a=fingerprint */
	char local_fingerprint[IMR_FINGERPRINT_MAX];
} imr_side_t;

typedef struct imr_bridge {
	int relay; /* index of the relay in use; -1: none */
	char session[IMR_SESSION_ID_MAX];
	imr_side_t side[2];
} imr_bridge_t;

/* Who a party is, for the relay's CPIM checks and private messages
 * (UP-3: its IM-client/IM-serv version token). */
typedef struct imr_party {
	str uri;
	str display;
	str version;
} imr_party_t;

/* Why an operation failed: the SIP answer it calls for. */
typedef struct imr_err {
	int code; /* 488 malformed SDP or no usable MSRP media, 503 no relay,
				 500 otherwise; text says which (Warning, D-34) */
	char text[160];
} imr_err_t;

/* Opens a bridge on a relay that is up (weighted choice, then failover);
 * 503 within the control timeout of each relay tried when none answers. */
typedef int (*imr_bridge_open_f)(
		imr_bridge_t *b, const char *session_id, imr_err_t *e);
/* Destroys the relay session (best effort). */
typedef void (*imr_bridge_close_f)(imr_bridge_t *b);
/*
 * Party `from` (0 or 1) offers sdp: its leg is set from it and the other
 * party's leg made ready; *out (pkg, caller frees) is the offer for the
 * other party.
 */
typedef int (*imr_offer_f)(imr_bridge_t *b, int from, const str *sdp,
		const imr_party_t *from_party, const imr_party_t *to_party, str *out,
		imr_err_t *e);
/* The other party answered with sdp: its leg completed; *out is the
 * answer for party `from`. */
typedef int (*imr_answer_f)(imr_bridge_t *b, int from, const str *sdp,
		const imr_party_t *to_party, str *out, imr_err_t *e);

/* What happened on the media plane that ends calls: "relay_lost" (the
 * relay is down or restarted: every session on it is gone; session is
 * NULL), "leg_closed" or "connect_failed" (a leg of session),
 * "session_closed" (an operator destroyed session). Bridges, conferences
 * and endpoint sessions alike. */
typedef void (*imr_watch_f)(
		int relay, const char *what, const char *session, const char *leg);
typedef int (*imr_watch_register_f)(imr_watch_f fn);

/*
 * Conference and endpoint sessions (the controlling function, deferred
 * messages): a relay session other than a bridge, with one leg per party,
 * each negotiated on its own: accepted from the party's offer, or offered
 * by us and completed with its answer.
 */
#define IMR_LEG_ID_MAX 32
/* A relay session other than a bridge: no pointers, kept in shm by the
 * caller, usable from any process. */
typedef struct imr_session {
	int relay; /* -1: none */
	char id[IMR_SESSION_ID_MAX];
	int type; /* IMR_CONFERENCE or IMR_ENDPOINT */
	int allow_non_cpim; /* what our SDP's accept-types offer (D-18) */
} imr_session_t;
#define IMR_CONFERENCE 1
#define IMR_ENDPOINT 2
/* One leg of such a session facing one party. */
typedef struct imr_leg {
	char id[IMR_LEG_ID_MAX];
	imr_side_t side;
} imr_leg_t;
typedef struct imr_session_opts {
	str identity;		  /* conference: the session identity (CPIM To of a broadcast) */
	int private_messages; /* conference: MS-4 allowed */
	int allow_non_cpim;	  /* D-18 */
	int idle_timeout_s;
} imr_session_opts_t;

/* Opens: the session is created at once on a relay that is up (weighted
 * choice, failover, errors as the bridge's first offer). */
typedef int (*imr_session_open_f)(imr_session_t *s, int type, const char *id,
		const imr_session_opts_t *o, imr_err_t *e);
/* Destroys it, quietly (no session_closed event); best effort. */
typedef void (*imr_session_close_f)(imr_session_t *s);
/* The party offered sdp (its INVITE to us): leg `leg_id` created from it;
 * *answer (pkg, caller frees) is our SDP answer. party->uri is the leg's
 * identity (CPIM From check, MS-3). */
typedef int (*imr_leg_accept_f)(imr_session_t *s, imr_leg_t *l,
		const char *leg_id, const str *offer, const imr_party_t *party,
		str *answer, imr_err_t *e);
/* We invite the party: leg created; *offer (pkg) is our SDP offer (msrp or
 * msrps per tls, sendrecv or per `direction` "sendonly"/"recvonly"/NULL).
 * carry (NULL: none) is another party's SDP whose MSRP media's own a=
 * lines (a=max-size, a=file-selector ...) the offer repeats: a Large
 * Message invitation offers what the sender offered (LM-4). */
typedef int (*imr_leg_offer_f)(imr_session_t *s, imr_leg_t *l,
		const char *leg_id, const imr_party_t *party, int tls,
		const char *direction, const str *carry, str *offer, imr_err_t *e);
/* The party's answer to our offer completes the leg; party (may be NULL)
 * updates who it is, e.g. the version token its 200 showed (UP-3). */
typedef int (*imr_leg_complete_f)(imr_session_t *s, imr_leg_t *l,
		const str *answer, const imr_party_t *party, imr_err_t *e);
/* A re-INVITE offer on an existing leg: leg updated, *answer ours. */
typedef int (*imr_leg_reaccept_f)(imr_session_t *s, imr_leg_t *l,
		const str *offer, const imr_party_t *party, str *answer, imr_err_t *e);
/* Removes the leg quietly (no leg_closed event); best effort. */
typedef void (*imr_leg_remove_f)(imr_session_t *s, imr_leg_t *l);
/* message.inject on a leg (system messages MS-5, deferred push): sent once
 * the leg is connected. message_id may be empty (the relay makes one);
 * the outcome comes as a delivery_report with that message id. */
typedef int (*imr_inject_f)(imr_session_t *s, const char *leg_id,
		const str *ctype, const str *body, const str *message_id,
		int success_report, imr_err_t *e);

/* A REPORT with a body on a leg, about a message its party sent (the
 * OMA IM final delivery report when that party asked for MSRP REPORTs,
 * C-8, TS 5.7.3); total: the message's size, -1 unknown. */
typedef int (*imr_report_send_f)(imr_session_t *s, const char *leg_id,
		const char *message_id, long long total, const str *ctype,
		const str *body, imr_err_t *e);

/* One delivery_report event of the relay. */
typedef struct imr_delivery {
	const char *session, *leg, *message_id;
	int code;
	const char *reason;		/* "" when the relay gave none */
	const char *sender_leg; /* NULL when the relay does not say */
	/* with code 100 (a recipient of a message asking for a final report):
	 * the sender asked for MSRP REPORTs, and the message's size (-1:
	 * unknown) */
	int sender_reports;
	long long total;
} imr_delivery_t;

/* The relay's delivery_report events: a conference recipient's failure
 * (code 413: skipped for its max-size, MS-3), or an endpoint's injected
 * message outcome (C-8). */
typedef void (*imr_report_f)(int relay, const imr_delivery_t *d);
typedef int (*imr_report_register_f)(imr_report_f fn);

/* A message_received event: an endpoint leg received a whole message
 * (deferred Large Message, DM-2); it stays at the relay until released. */
typedef struct imr_received {
	const char *session, *leg, *message_id, *content_type;
	long long size;
} imr_received_t;
typedef void (*imr_received_f)(int relay, const imr_received_t *m);
typedef int (*imr_received_register_f)(imr_received_f fn);
/* message.get in pieces: the whole received message into *body (pkg,
 * caller frees), its Content-Type into ctype (NUL-terminated, may be
 * NULL). */
typedef int (*imr_message_get_f)(imr_session_t *s, const char *leg_id,
		const char *message_id, str *body, char *ctype, int ctypelen,
		imr_err_t *e);
/* message.ack: the relay forgets the received message. */
typedef int (*imr_message_release_f)(imr_session_t *s, const char *leg_id,
		const char *message_id, imr_err_t *e);

typedef struct imr_api {
	imr_bridge_open_f bridge_open;
	imr_bridge_close_f bridge_close;
	imr_offer_f offer;
	imr_answer_f answer;
	imr_watch_register_f watch;
	imr_session_open_f session_open;
	imr_session_close_f session_close;
	imr_leg_accept_f leg_accept;
	imr_leg_offer_f leg_offer;
	imr_leg_complete_f leg_complete;
	imr_leg_reaccept_f leg_reaccept;
	imr_leg_remove_f leg_remove;
	imr_inject_f inject;
	imr_report_send_f report_send;
	imr_report_register_f report;
	imr_received_register_f received;
	imr_message_get_f message_get;
	imr_message_release_f message_release;
} imr_api_t;

typedef int (*bind_im_relay_f)(imr_api_t *api);
int bind_im_relay(imr_api_t *api);

static inline int load_im_relay_api(imr_api_t *api)
{
	bind_im_relay_f bind;

	bind = (bind_im_relay_f)find_export("bind_im_relay", NO_SCRIPT, 0);
	if(!bind) {
		LM_ERR("cannot find bind_im_relay: is im_relay loaded before?\n");
		return -1;
	}
	return bind(api);
}

#endif
