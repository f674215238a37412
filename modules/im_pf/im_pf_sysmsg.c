/*
 * System messages (OMA TS 5.4, C-3): the RPC im_pf.system_message sends
 * one MESSAGE from the IM server to a user, through this server's own
 * terminating function (signed hop), as pager mode reaches him: every
 * registered contact, or the deferred store.
 *
 * The MESSAGE has no Contact (RFC 3428 4, MSG-02), `Accept-Contact:
 * *;+g.oma.sip-im.system-message`, the server's identity as From and
 * P-Asserted-Identity (sip:system@<the user's domain>) and our Server
 * header. A payload that would make it pass 1300 bytes, or that needs
 * the user's response, is hosted (im_pf_sysdoc.c) and the MESSAGE is a
 * message/external-body pointing at it (OMA TS 5.4 step 3, RFC 4483).
 * The RPC waits for the final response and reports it.
 */
#include <stdio.h>
#include <string.h>

#include <stdlib.h>
#include <strings.h>

#include "core/dprint.h"
#include "core/forward.h"
#include "core/globals.h"
#include "core/locking.h"
#include "core/pt.h"
#include "core/mem/shm_mem.h"
#include "core/parser/parse_uri.h"
#include "core/rpc.h"
#include "core/timer.h"
#include "core/ut.h"
#include "modules/tm/tm_load.h"
#include "im_kbuf.h"
#include "im_rpc_args.h"

#include "im_pf.h"
#include "im_pf_hop.h"
#include "im_pf_pager.h"
#include "im_pf_route.h"
#include "im_pf_sysdoc.h"
#include "im_pf_sysmsg.h"
#include "im_pf_ts1.h"

/* longer than tm's fr_timer for a MESSAGE (cfg: 30 s) */
#define SYSMSG_WAIT_MS 40000

static struct tm_binds tmb;

/* The final response, written by the tm callback in whichever process
 * receives it, read by the RPC process that waits for it. */
typedef struct sysmsg_wait {
	gen_lock_t lock;
	int code;	   /* 0: none yet */
	int abandoned; /* the RPC gave up: the callback frees it */
	char reason[64];
} sysmsg_wait_t;

int impf_sysmsg_init(void)
{
	if(load_tm_api(&tmb) < 0) {
		LM_ERR("cannot bind tm: load it before im_pf\n");
		return -1;
	}
	return 0;
}

static void on_completed(struct cell *t, int type, struct tmcb_params *ps)
{
	sysmsg_wait_t *w = ps->param ? *ps->param : NULL;
	struct sip_msg *rpl = ps->rpl;
	int free_it;

	if(!w)
		return;
	*ps->param = NULL;
	lock_get(&w->lock);
	w->code = ps->code;
	if(rpl && rpl != FAKED_REPLY)
		snprintf(w->reason, sizeof(w->reason), "%.*s",
				rpl->first_line.u.reply.reason.len,
				rpl->first_line.u.reply.reason.s);
	free_it = w->abandoned;
	lock_release(&w->lock);
	if(free_it)
		shm_free(w);
}

/* The MESSAGE's headers: hop marker, identity, feature tag, Server. */
static int build_headers(im_kbuf_t *h, const str *ruri, const str *from,
		const str *callid, const str *tag, const str *ctype)
{
	static str method = str_init("MESSAGE");
	imua_leg_id_t id = {method, *ruri, *callid, *from, *tag};
	str hop = STR_NULL;

	if(impf_hop_header(&id, &hop) < 0)
		return -1;
	im_kbuf_adds(h, &hop);
	if(hop.s)
		pkg_free(hop.s);
	im_kbuf_addf(h, "P-Asserted-Identity: <%.*s>\r\n", from->len, from->s);
	im_kbuf_addf(h, "Accept-Contact: *;+g.oma.sip-im.system-message\r\n");
	im_kbuf_addf(h, "%.*s\r\n", server_hdr.len, server_hdr.s);
	im_kbuf_addf(h, "Content-Type: %.*s\r\n", ctype->len, ctype->s);
	return h->failed ? -1 : 0;
}

/* Sends the system message; 0 and *wp waiting for its answer. */
static int send_sysmsg(const str *ruri, const str *ctype, const str *body,
		sysmsg_wait_t **wp, const char **why)
{
	static str method = str_init("MESSAGE");
	char callid_buf[48], tag_buf[24], from_buf[160], self[128];
	struct sip_uri u;
	str callid, tag, from, hs;
	im_kbuf_t h = {0};
	sysmsg_wait_t *w;
	dlg_t dlg;
	uac_req_t uac_r;
	int ret;

	*why = "not a SIP URI of this server's users";
	if(parse_uri(ruri->s, ruri->len, &u) < 0 || !u.user.len
			|| check_self(&u.host, 0, 0) != 1)
		return -1;
	*why = "internal error";
	callid.len = snprintf(callid_buf, sizeof(callid_buf), "impf-sys-%x-%x-%d",
			(unsigned int)get_ticks_raw(), (unsigned int)rand(), my_pid());
	callid.s = callid_buf;
	tag.len = snprintf(tag_buf, sizeof(tag_buf), "%x", (unsigned int)rand());
	tag.s = tag_buf;
	from.len = snprintf(from_buf, sizeof(from_buf), "sip:system@%.*s",
			u.host.len, u.host.s);
	from.s = from_buf;
	if(from.len >= (int)sizeof(from_buf) || impf_self_uri(self, sizeof(self)) < 0
			|| build_headers(&h, ruri, &from, &callid, &tag, ctype) < 0) {
		im_kbuf_free(&h);
		return -1;
	}
	memset(&dlg, 0, sizeof(dlg));
	dlg.id.call_id = callid;
	dlg.id.loc_tag = tag;
	dlg.loc_seq.value = 1;
	dlg.loc_seq.is_set = 1;
	dlg.loc_uri = from;
	dlg.rem_uri = *ruri;
	dlg.rem_target = *ruri;
	dlg.dst_uri = (str){self, (int)strlen(self)};
	dlg.state = DLG_NEW;
	w = shm_malloc(sizeof(*w));
	if(!w) {
		SHM_MEM_ERROR;
		im_kbuf_free(&h);
		return -1;
	}
	memset(w, 0, sizeof(*w));
	lock_init(&w->lock);
	hs = im_kbuf_str(&h);
	set_uac_req(&uac_r, &method, &hs, (str *)body, &dlg, TMCB_LOCAL_COMPLETED,
			on_completed, w);
	ret = tmb.t_uac(&uac_r);
	im_kbuf_free(&h);
	if(ret < 0) {
		shm_free(w); /* tm calls no callback for what it could not send */
		*why = "cannot send the MESSAGE";
		return -1;
	}
	*wp = w;
	return 0;
}

/* Waits (polling, like tm's t_uac_wait_block) for the final response:
 * its code, or 0 when none came in time (w then belongs to the
 * callback). */
static int wait_final(sysmsg_wait_t *w, char *reason, int reasonlen)
{
	int code = 0;

	for(int waited = 0; waited < SYSMSG_WAIT_MS; waited += 10) {
		lock_get(&w->lock);
		code = w->code;
		lock_release(&w->lock);
		if(code)
			break;
		sleep_us(10000);
	}
	lock_get(&w->lock);
	code = w->code;
	w->abandoned = !code;
	snprintf(reason, reasonlen, "%s", w->reason);
	lock_release(&w->lock);
	if(code)
		shm_free(w);
	return code;
}

/* what tm and our own headers add to a system message's body, about: a
 * body that would take the MESSAGE past 1300 bytes is hosted (MSG-04) */
#define SYSMSG_OVERHEAD 700

/* OMA TS 5.4 step 3: a payload that makes the MESSAGE bigger than 1300
 * bytes, or that needs the user's interaction, goes as a
 * message/external-body pointing at a document we host (im_pf_sysdoc.h);
 * one the operator already made external-body goes as he wrote it.
 * 0 and doc->s the token when hosted (ct/body: the external-body, pkg),
 * doc->s NULL when sent as is; -1 when it cannot be hosted. */
static int hosted(const str *user, const str *ctype, const str *body,
		int need_response, str *doc, str *ct, str *ebody)
{
	static char token[IMPF_SYSDOC_TOKEN_LEN + 1];
	long long expires;

	if(ctype->len >= 21 && strncasecmp(ctype->s, "message/external-body", 21)
								   == 0)
		return 0;
	if(!need_response && body->len + SYSMSG_OVERHEAD <= IMPF_PAGER_MTU)
		return 0;
	if(impf_sysdoc_put(user, ctype, body, need_response, token, &expires) < 0)
		return -1;
	if(impf_sysdoc_external_body(token, expires, ctype, body->len, ct, ebody)
			< 0) {
		impf_sysdoc_del(token);
		return -1;
	}
	*doc = (str){token, IMPF_SYSDOC_TOKEN_LEN};
	return 0;
}

static void free_external(str *doc, str *ct, str *body)
{
	if(ct->s)
		pkg_free(ct->s);
	if(body->s)
		pkg_free(body->s);
	*doc = *ct = *body = (str)STR_NULL;
}

const char *impf_rpc_system_message_doc[] = {
		"Send a system message (OMA TS 5.4) to a user: user URI, "
		"Content-Type, body (one that makes the MESSAGE pass 1300 bytes, "
		"or that needs a response, is hosted and sent as "
		"message/external-body, RFC 4483), [need-response: yes starts Ts1 "
		"once it is delivered]. Reports the final response and the "
		"document's URL.",
		0};

void impf_rpc_system_message(rpc_t *rpc, void *ctx)
{
	im_rpc_args_t a;
	str user, ctype, body, need = STR_NULL;
	int has_need, need_response, pending = 0;
	sysmsg_wait_t *w;
	const char *why;
	char reason[64];
	void *st;
	int code;
	str doc = STR_NULL, ext_ct = STR_NULL, ext_body = STR_NULL;
	char url[300], token[IMPF_SYSDOC_TOKEN_LEN + 1];

	im_rpc_args_init(&a, rpc, ctx, "user, content-type, body [need-response]");
	if(im_rpc_arg(&a, "user", &user, 1) < 1
			|| im_rpc_arg(&a, "content-type", &ctype, 1) < 1
			|| im_rpc_arg(&a, "body", &body, 1) < 1
			|| (has_need = im_rpc_arg(&a, "need-response", &need, 0)) < 0
			|| im_rpc_end(&a) < 0)
		return;
	if(has_need && !(need.len == 3 && strncasecmp(need.s, "yes", 3) == 0)
			&& !(need.len == 2 && strncasecmp(need.s, "no", 2) == 0)) {
		rpc->fault(ctx, 400, "need-response: yes or no");
		return;
	}
	need_response = has_need && need.len == 3;
	if(body.len > impf_sysdoc_max_size) {
		rpc->fault(ctx, 413, "body over sysdoc_max_size (%d bytes)",
				impf_sysdoc_max_size);
		return;
	}
	if(hosted(&user, &ctype, &body, need_response, &doc, &ext_ct, &ext_body)
			< 0) {
		rpc->fault(ctx, 503,
				"the document cannot be hosted (xhttp loaded? database?): "
				"OMA TS 5.4 step 3 wants it as message/external-body");
		return;
	}
	if(send_sysmsg(&user, doc.s ? &ext_ct : &ctype, doc.s ? &ext_body : &body,
			   &w, &why)
			< 0) {
		if(doc.s)
			impf_sysdoc_del(doc.s);
		free_external(&doc, &ext_ct, &ext_body);
		rpc->fault(ctx, 400, "%s", why);
		return;
	}
	snprintf(url, sizeof(url), "%.*s%.*s", doc.s ? impf_sysdoc_url.len : 0,
			impf_sysdoc_url.s, doc.len, doc.s);
	snprintf(token, sizeof(token), "%.*s", doc.len, doc.s);
	free_external(&doc, &ext_ct, &ext_body);
	code = wait_final(w, reason, sizeof(reason));
	if(!code) {
		rpc->fault(ctx, 504, "no final response");
		return;
	}
	/* Ts1 starts when the message is delivered (its 2xx); the document
	 * keeps when, for a restart to find the response still owed */
	if(need_response && code >= 200 && code < 300) {
		pending = impf_ts1_start(&user) == 0;
		impf_sysdoc_delivered(token);
	}
	if(rpc->add(ctx, "{", &st) < 0)
		return;
	rpc->struct_add(st, "dsds", "code", code, "reason", reason,
			"response_pending", pending, "document", url);
}
