/*
 * B2BUA calls in shared memory: two SIP dialogs ("legs") bridged by one
 * call. Leg A is the dialog whose INVITE created the call (we are its UAS),
 * leg B the one we opened (we are its UAC). A single dialog (mode uas or
 * uac) is a call with one leg in use: leg A as UAS, leg B as UAC; the other
 * leg stays empty and counts as ended from the start.
 *
 * Every Kamailio process can reach a call: SIP workers through the index
 * (either leg's Call-ID, or the call id carried in our Contact), tm
 * callbacks through the reference they hold, the timer and RPC through the
 * list of all calls. A call is reference counted (imua_call_ref/unref) and
 * its fields are guarded by its own lock; the index and the list have
 * their own locks and never hold a call lock while taking theirs.
 */
#ifndef IM_UA_CALL_H
#define IM_UA_CALL_H

#include "core/ip_addr.h"
#include "core/locking.h"
#include "core/str.h"
#include "modules/tm/t_hooks.h"

#include "im_ua_load.h"

#define IMUA_LEG_A 0
#define IMUA_LEG_B 1
#define IMUA_OTHER(leg) (1 - (leg))

typedef enum imua_state {
	IMUA_INVITING = 0, /* leg B's INVITE pending, leg A not answered */
	IMUA_ANSWERED,	   /* 2xx sent to leg A, its ACK not seen yet */
	IMUA_CONFIRMED,
	IMUA_TERMINATING, /* BYEs sent, waiting for their answers */
	IMUA_ENDED,		  /* out of the index; freed with the last reference */
} imua_state_t;

/* Who refreshes a leg's session (RFC 4028). */
typedef enum imua_refresher {
	IMUA_REFRESH_NONE = 0, /* no session timer on this leg */
	IMUA_REFRESH_US,
	IMUA_REFRESH_PEER,
} imua_refresher_t;

/* targets of leg B's INVITE: its Request-URI and at most 16 more */
#define IMUA_MAX_TARGETS 17

/* One target's INVITE of a parallel fork (im_ua_parallel.c). */
typedef struct imua_branch {
	unsigned int attempt;	   /* the INVITE of this target that counts */
	unsigned int hash, label;  /* its tm transaction */
	unsigned char live;		   /* sent, no final response yet */
	unsigned char early;	   /* a provisional arrived: it may be CANCELled */
	unsigned char cancel;	   /* to CANCEL once early (tm refuses before) */
	unsigned char retried_422; /* invited again with the Min-SE it asked */
	unsigned char silent;	   /* no response within contact_timeout */
	unsigned char ids;		   /* hash and label are this INVITE's */
	unsigned int deadline;	   /* ticks: silent after it; 0 none */
} imua_branch_t;

/* REFER CSeq pairs a leg keeps for the Event id= of their NOTIFYs */
#define IMUA_REFERS_KEPT 8

typedef struct imua_leg {
	str call_id;
	str local_tag, remote_tag;
	str local_uri, remote_uri;
	str local_dname, remote_dname;
	str remote_target; /* the peer's Contact URI */
	str route_set;	   /* Route values in sending order, comma separated */
	str dst_uri;	   /* next hop when the route set does not give one */
	str contact;	   /* our Contact header value on this leg */
	str allow;		   /* the peer's Allow */
	str version;	   /* the peer's User-Agent or Server */
	str sdp;		   /* the last SDP we sent on this leg */
	str sdp_type;	   /* its Content-Type */
	unsigned int local_cseq, remote_cseq;
	int remote_cseq_set;
	struct socket_info *sock;
	int peer_timer; /* the peer said Supported: timer */
	int early;		/* a provisional response arrived (we may CANCEL) */

	/* session timer */
	unsigned int se;
	/* Min-SE our INVITE asks: a 422 raised it (RFC 4028 7.3); 0: ours */
	unsigned int min_se;
	imua_refresher_t refresher;
	unsigned int refresh_at, expire_at; /* ticks; 0: not armed */
	int refresh_pending;

	/* the incoming INVITE or re-INVITE we have not answered finally */
	int uas_pending;
	unsigned int uas_hash, uas_label;
	unsigned int uas_cseq;
	/* our INVITE or re-INVITE on this leg awaiting its final response */
	int uac_pending;
	unsigned int uac_hash, uac_label;

	int bye_sent, bye_answered;

	/* REFERs we relayed out on this leg: their CSeq here and on the other
	 * leg, so that the NOTIFYs coming back name the REFER the referrer
	 * sent (Event id=, RFC 3515 2.4.6). The last few: a ring. */
	struct {
		unsigned int here, there;
	} refers[IMUA_REFERS_KEPT];
	unsigned int refers_next;
} imua_leg_t;

typedef struct imua_index_entry {
	struct imua_index_entry *next;
	str key;
	struct imua_call *call;
	int leg; /* -1: the call id, not a leg's Call-ID */
	int linked;
} imua_index_entry_t;

typedef enum imua_mode {
	IMUA_MODE_B2B = 0, /* two legs bridged */
	IMUA_MODE_UAS,	   /* a single dialog on leg A, we answered it */
	IMUA_MODE_UAC,	   /* a single dialog on leg B, we invited */
} imua_mode_t;

struct imua_tx;
/* What a response to one of our requests does: set by the file that
 * sends the request (type: the tm callback type; ps: its parameters). */
typedef void (*imua_tx_handler_f)(
		struct imua_tx *tx, int type, struct tmcb_params *ps);

/* How leg B's INVITE forks when not serially (im_ua_parallel.c's
 * imua_parallel_fork), reached through the call: the serial fork and the
 * end of a call act on a parallel fork without knowing its file. */
typedef struct imua_fork_strategy {
	int (*start)(struct imua_call *c);	  /* 1: a branch is on its way */
	imua_tx_handler_f response;			  /* of each branch's INVITE */
	void (*tick)(struct imua_call *c, unsigned int now);
	void (*cancel)(struct imua_call *c);  /* every branch but a winner */
} imua_fork_strategy_t;

struct imua_call {
	gen_lock_t lock;
	int ref; /* guarded by lock */
	char key[24]; /* our Contacts' user parts carry it */
	imua_state_t state;
	imua_leg_t leg[2];

	imua_mode_t mode;
	const imua_hooks_t *hooks;		   /* b2b */
	const imua_dlg_hooks_t *dlg_hooks; /* uas, uac */
	void *app;
	int ended_reported;
	int failed_reported; /* uac: the failed hook was called */
	int retried_422;	 /* leg B was invited again after a 422 */
	/* owner's hooks running now (imua_hook_enter); an end reported while
	 * one runs is delivered when the last one leaves */
	int hooks_running;
	int ended_deferred;
	int cancel_pending; /* CANCEL leg B once it is early */

	unsigned int created, answered_at, confirmed_at; /* ticks */
	unsigned int ack_deadline;						 /* ticks; 0: none */
	unsigned int ending_since;						 /* ticks */
	char end_reason[64];

	/* leg B's INVITE, sent again to the next target (im_ua_fork.c) */
	str invite_hdrs; /* the owner's headers of that INVITE */
	int refresher_b_uas;
	str *targets;	 /* shm: ruri, dst_uri of each target left */
	int n_targets, next_target;
	unsigned int attempt;		   /* the INVITE of leg B that counts */
	unsigned int attempt_deadline; /* ticks: its target is given up */
	/* what the responses of leg B's INVITE do (im_ua_fork.c) */
	const struct imua_fork_ops *invite_b_ops;
	/* parallel forking (im_ua_parallel.c): every target at once, targets
	 * holds them all (the first is leg B's Request-URI) */
	int parallel;
	const imua_fork_strategy_t *parallel_fork; /* how, when parallel */
	int winner; /* the branch whose 2xx made leg B's dialog; -1: none */
	int n_branches;
	int failure_reported;
	int best_code; /* the failure leg A gets when every branch failed */
	/* its reason phrase and the headers of it that cross (shm) */
	char best_reason[64];
	str best_hdrs;
	imua_branch_t branch[IMUA_MAX_TARGETS];

	imua_index_entry_t ix[3]; /* leg A Call-ID, leg B Call-ID, key */
	struct imua_call *next_all, *prev_all;
};

int imua_calls_init(int hash_size);
void imua_calls_destroy(void);

/* A new call with one reference for the caller and one for the table;
 * key from imua_new_key, or NULL for a new one. */
imua_call_t *imua_call_new(const char *key);
int imua_new_key(char *key, int keylen);

/* Makes the call reachable by its key and its legs' Call-IDs (set them
 * first). */
int imua_call_index(imua_call_t *c);

/* Finds a call by a leg's Call-ID; *leg says which. Adds a reference. */
imua_call_t *imua_call_by_callid(const str *callid, int *leg);
/* The leg whose dialog a request belongs to: Call-ID and both tags (a
 * same-domain session has two of our legs with one Call-ID), or, with
 * to_tag NULL, the UAS leg whose INVITE had from_tag (CANCEL). Adds a
 * reference. */
imua_call_t *imua_call_by_dialog(
		const str *callid, const str *from_tag, const str *to_tag, int *leg);
/* By the key in our Contact ("<key>" or "<key>-<a|b>"). Adds a reference. */
imua_call_t *imua_call_by_key(const str *key);

void imua_call_ref(imua_call_t *c);
void imua_call_unref(imua_call_t *c);

/* Takes the call out of the index and the list (the table's reference is
 * dropped). Call with the call unlocked. */
void imua_call_unlink(imua_call_t *c);

/* Drops a call under construction that nothing was sent for: unlinked,
 * the caller's reference released, no hook called. */
void imua_call_abandon(imua_call_t *c);

/* Walks every call with a reference held; fn returns non-zero to stop. */
void imua_calls_foreach(int (*fn)(imua_call_t *c, void *arg), void *arg);
unsigned int imua_calls_count(void);

/* Replaces *dst by a shm copy of src (under the call lock). */
int imua_str_set(str *dst, const char *s, int len);

const char *imua_state_name(imua_state_t s);
const char *imua_mode_name(imua_mode_t m);
/* The leg a single dialog uses (-1 for a B2BUA call). */
int imua_dlg_leg(const imua_call_t *c);
/* 1: leg carries a dialog in this call's mode. */
int imua_leg_used(const imua_call_t *c, int leg);

#endif
