/*
 * Small SIP pieces the B2BUA needs everywhere: a pkg string builder,
 * tags, our Contact, which headers cross from one leg to the other,
 * RFC 4028 header values, replies to a transaction known by its ident,
 * and requests sent inside one leg's dialog.
 */
#ifndef IM_UA_SIP_H
#define IM_UA_SIP_H

#include "core/parser/msg_parser.h"
#include "core/str.h"
#include "modules/tm/t_hooks.h"

#include "im_kbuf.h"
#include "im_ua_call.h"


/* Random hex tag of n characters into out (n + 1 bytes). */
void imua_new_tag(char *out, int n);

/* "<sip:user@host:port;transport=x>params" for a socket of proto; host
 * (may be NULL or empty) replaces the module's contact_host and the
 * socket's address. */
int imua_contact(im_kbuf_t *b, const char *user, const str *host,
		struct socket_info *sock, int proto, const str *params);
/* The transport a request to this URI (and optional next hop) uses. */
int imua_uri_proto(const str *ruri, const str *dst_uri);

/* Copies the headers of msg that are not one dialog's own (Via, tags,
 * CSeq, Contact, routes, lengths, credentials, session timer, ...) to b:
 * what crosses the B2BUA unchanged. */
int imua_copy_headers(struct sip_msg *msg, im_kbuf_t *b);
/* the same without the header types whose bits (1 << type) skip sets */
int imua_copy_headers_skip(
		struct sip_msg *msg, unsigned long long skip, im_kbuf_t *b);
/* The same for the API: minus the types in skip, into a pkg str. */
int imua_copy_headers_api(struct sip_msg *msg, unsigned long long skip,
		str *out);

/* Session-Expires (RFC 4028): value 0 when absent; refresher 0 absent,
 * 1 uac, 2 uas. */
typedef struct imua_se {
	unsigned int value;
	int refresher;
} imua_se_t;

int imua_get_se(struct sip_msg *msg, imua_se_t *se);
unsigned int imua_get_min_se(struct sip_msg *msg);
int imua_supports_timer(struct sip_msg *msg);
/* The first option tag of Require we do not support, or an empty str. */
str imua_unsupported_require(struct sip_msg *msg);

/* The message body and its Content-Type (empty strs when none). */
void imua_get_body(struct sip_msg *msg, str *body, str *ctype);


/* Why a request is sent: decides what its response does. */
typedef enum imua_tx_kind {
	IMUA_TX_INVITE_B = 1, /* leg B's initial INVITE */
	IMUA_TX_BRIDGED,	  /* a request relayed from the other leg */
	IMUA_TX_REFRESH,	  /* our session refresh */
	IMUA_TX_BYE,
	IMUA_TX_CANCEL,
	IMUA_TX_DLG_REQ, /* the owner's request on a single dialog */
} imua_tx_kind_t;

/* Callback parameter of our requests (shm): holds a call reference;
 * freed with the transaction (TMCB_DESTROY). */
typedef struct imua_tx {
	imua_call_t *call;
	imua_tx_kind_t kind;
	/* called with INVITE_B's provisional and final responses, with the
	 * final response of the others */
	imua_tx_handler_f on_response;
	/* DLG_REQ: the owner's callback, told the final code once */
	imua_req_cb_f cb;
	void *cb_arg;
	int leg;	 /* sent on */
	int method;	 /* METHOD_* */
	/* BRIDGED: the server transaction on the other leg to answer */
	unsigned int src_hash, src_label;
	int offer; /* it carried an offer to be answered by reanswer */
	int done;  /* the final response was handled */
	/* INVITE_B: which attempt of leg B's INVITE (a target given up
	 * for the next one leaves a stale attempt behind) */
	unsigned int attempt;
} imua_tx_t;

/* CANCELs our INVITE transaction hash:label (tm's t_cancel_uac, the
 * current transaction kept). 0: tm refused (not proceeding yet), else
 * sent. */
unsigned int imua_cancel_uac(unsigned int hash, unsigned int label);
/* CANCELs our INVITE hash/label at once if it has had a provisional
 * response, else as soon as one arrives (RFC 3261 9.1; tm keeps the
 * CANCEL pending and stops retransmitting the INVITE): usable as soon as
 * we decide, also from the callback of that very provisional, which tm
 * has not recorded yet. 1, or 0 when the transaction is gone. */
int imua_cancel_uac_pending(unsigned int hash, unsigned int label);

/*
 * Sends method in leg `leg`'s dialog with the next CSeq. hdrs must end in
 * CRLF (may be NULL); body may be NULL. On success the transaction owns tx
 * (and its call reference); on failure the caller still does.
 */
int imua_leg_send(imua_call_t *c, int leg, const str *method,
		const str *hdrs, const str *body, imua_tx_t *tx);
/* The same, sent only while c->attempt is expected (0: any; a parallel
 * fork's branch, whose target another branch may have replaced in leg B
 * since: -2, nothing sent), and the transaction's tm ids in *hash and
 * *label (may be NULL). */
int imua_leg_send_ex(imua_call_t *c, int leg, const str *method,
		const str *hdrs, const str *body, imua_tx_t *tx,
		unsigned int expected, unsigned int *hash_out,
		unsigned int *label_out);

imua_tx_t *imua_tx_new(imua_call_t *c, imua_tx_kind_t kind, int leg,
		imua_tx_handler_f on_response);
void imua_tx_free(imua_tx_t *tx);

/* The tm callback of every request im_ua sends: hands the responses to
 * the tx's handler. */
void imua_tx_callback(struct cell *t, int type, struct tmcb_params *ps);

/* Contact, Allow, Supported and the session timer of a 2xx we send on
 * leg l (an INVITE's or an UPDATE's). */
void imua_add_answer_headers(im_kbuf_t *b, const imua_leg_t *l);
/* An owner's headers and its body's Content-Type. */
void imua_add_out(im_kbuf_t *b, const imua_out_t *out);
/* The first final response of tx is handled once: 1 for the caller that
 * gets to, 0 for the others (2xx retransmissions, forks). */
int imua_tx_claim(imua_tx_t *tx);
/* What a 2xx to our request on leg l says of it: its session timer, its
 * new target (under the call lock). */
void imua_leg_from_2xx(imua_leg_t *l, struct sip_msg *rpl, unsigned int now);

/* The route set of a dialog from msg's Record-Route (RFC 3261 12.1): as
 * listed for the UAS, reversed (reverse 1) for the UAC. */
int imua_store_route_set(imua_leg_t *l, struct sip_msg *msg, int reverse);
/* The first Contact URI of msg. */
int imua_contact_uri(struct sip_msg *msg, str *uri);

/* Arms leg l's session timer from its negotiated state (under the call
 * lock). */
void imua_timer_arm(imua_leg_t *l, unsigned int now);

/* Session-timer headers for a request (as_uac) or a response we send on
 * a leg, from the leg's negotiated state. */
void imua_add_se_headers(im_kbuf_t *b, const imua_leg_t *l, int as_uac,
		int peer_supports);

#endif
