#include <stdio.h>
#include <string.h>

#include "core/data_lump_rpl.h"
#include "core/dprint.h"
#include "core/locking.h"
#include "core/mem/mem.h"

#include "im_kbuf.h"
#include "im_sip_reason.h"

#include "im_ua.h"
#include "im_ua_reply.h"

/* tm's t_reply_with_body links the reply's header and body lumps, made
 * in this process's pkg memory, into the request kept in shm, and unlinks
 * them after. Two processes answering one transaction at once (a 180 of
 * leg B relayed by one worker while another relays its 200) would walk
 * each other's pkg pointers and crash. Every answer to a kept transaction
 * goes through imua_reply_trans, which holds the lock of the transaction's
 * hash slot around it; nothing else takes these locks. */
#define IMUA_REPLY_LOCKS 64
static gen_lock_set_t *reply_locks;

int imua_reply_init(void)
{
	reply_locks = lock_set_alloc(IMUA_REPLY_LOCKS);
	if(!reply_locks || !lock_set_init(reply_locks)) {
		LM_ERR("cannot make the reply locks\n");
		if(reply_locks)
			lock_set_dealloc(reply_locks);
		reply_locks = NULL;
		return -1;
	}
	return 0;
}

void imua_reply_destroy(void)
{
	if(!reply_locks)
		return;
	lock_set_destroy(reply_locks);
	lock_set_dealloc(reply_locks);
	reply_locks = NULL;
}

void imua_out_free(imua_out_t *out)
{
	if(out->hdrs.s)
		pkg_free(out->hdrs.s);
	if(out->body.s)
		pkg_free(out->body.s);
	if(out->contact_user.s)
		pkg_free(out->contact_user.s);
	if(out->contact_params.s)
		pkg_free(out->contact_params.s);
	memset(out, 0, sizeof(*out));
}

void imua_reject(imua_out_t *rej, int code, const char *reason)
{
	rej->code = code;
	rej->reason.s = (char *)reason;
	rej->reason.len = strlen(reason);
}

/* The transaction of msg, created when the script has not. 1 new or
 * existing, 0 retransmission, -1 error. */
int imua_ensure_transaction(struct sip_msg *msg)
{
	struct cell *t = imua_tmb.t_gett();
	int ret;

	if(t && t != T_UNDEFINED)
		return 1;
	ret = imua_tmb.t_newtran(msg);
	if(ret == 0)
		return 0;
	if(ret < 0) {
		LM_ERR("cannot create a transaction for %.*s\n",
				msg->first_line.u.request.method.len,
				msg->first_line.u.request.method.s);
		return -1;
	}
	return 1;
}

int imua_reply(struct sip_msg *msg, int code, const str *reason,
		const str *hdrs, const str *ctype, const str *body)
{
	char text[128];
	im_kbuf_t h = {0};
	int ret;

	if(imua_ensure_transaction(msg) <= 0)
		return -1;
	im_kbuf_adds(&h, hdrs);
	if(body && body->len && ctype && ctype->len)
		im_kbuf_addf(&h, "Content-Type: %.*s\r\n", ctype->len, ctype->s);
	if(h.failed)
		goto fail;
	/* tm builds the reply (and its To tag) from the request's lumps */
	if(h.len && !add_lump_rpl(msg, h.s, h.len, LUMP_RPL_HDR))
		goto fail;
	if(body && body->len && !add_lump_rpl(msg, body->s, body->len, LUMP_RPL_BODY))
		goto fail;
	snprintf(text, sizeof(text), "%.*s", reason->len, reason->s);
	ret = imua_tmb.t_reply(msg, code, text);
	im_kbuf_free(&h);
	return ret < 0 ? -1 : 1;
fail:
	im_kbuf_free(&h);
	return -1;
}

int imua_reply_trans(unsigned int hash, unsigned int label, int code,
		const str *reason, const str *hdrs, const str *body,
		const str *totag)
{
	struct cell *saved = imua_tmb.t_gett();
	int saved_branch = imua_tmb.t_gett_branch();
	struct cell *t = NULL;
	int ret;

	if(imua_tmb.t_lookup_ident(&t, hash, label) < 0 || !t) {
		imua_tmb.t_sett(saved, saved_branch);
		LM_WARN("transaction %u:%u to answer %d is gone\n", hash, label, code);
		return -1;
	}
	/* t_reply_with_body drops the reference t_lookup_ident took */
	lock_set_get(reply_locks, hash % IMUA_REPLY_LOCKS);
	ret = imua_tmb.t_reply_with_body(t, code, (str *)reason, (str *)body,
			(str *)hdrs, (str *)totag);
	lock_set_release(reply_locks, hash % IMUA_REPLY_LOCKS);
	imua_tmb.t_sett(saved, saved_branch);
	if(ret < 0) {
		LM_ERR("cannot send %d on transaction %u:%u\n", code, hash, label);
		return -1;
	}
	return 0;
}

const char *imua_reason_of(int code)
{
	const char *r = im_sip_reason(code);

	if(r)
		return r;
	return code < 300 ? "OK" : "Server Internal Error";
}
