/*
 * Requests of the group pager out of any dialog (PM-2, PM-4, PM-5): the
 * fan-out MESSAGEs and the notifications to the sender, sent with tm
 * through this server's own terminating function and signed as our own
 * hop (im_pf's marker), to the interconnected domain of a recipient of
 * another domain (im_peer, when it takes pager mode), or to
 * outbound_proxy when one is set.
 */
#include <stdio.h>
#include <string.h>

#include "core/dprint.h"
#include "core/mem/mem.h"
#include "core/mem/shm_mem.h"
#include "core/forward.h"
#include "core/parser/parse_uri.h"
#include "core/pt.h"
#include "modules/tm/tm_load.h"

#include "im_kbuf.h"
#include "im_pf_load.h"

#include "im_cf.h"
#include "im_cf_hop.h"
#include "im_cf_pager_send.h"
#include "im_random.h"

static struct tm_binds tmb;
static impf_api_t pf;

typedef struct send_cb
{
	imcf_pager_cb_f cb;
	void *arg;
} send_cb_t;

static void on_completed(struct cell *t, int type, struct tmcb_params *ps)
{
	send_cb_t *c = (send_cb_t *)*ps->param;

	(void)t;
	(void)type;
	if(!c)
		return;
	*ps->param = NULL;
	if(c->cb)
		c->cb(ps->code, c->arg);
	shm_free(c);
}

void imcf_pager_unique(char *out, int len, const char *what)
{
	static unsigned int seq;

	snprintf(out, len, "%s%x%x%08x", what, (unsigned)my_pid(), ++seq,
			im_random32());
}

enum hop
{
	HOP_NONE = 0,
	HOP_PROXY, /* outbound_proxy */
	HOP_SELF,  /* our own terminating function, signed */
	HOP_PEER,  /* the interconnected domain of the Request-URI (D-3) */
};

/* Where a request to ruri goes, the address into out. */
static enum hop next_hop(const str *ruri, char *out, int outlen)
{
	struct sip_uri u;

	if(imcf_outbound_proxy.len && !imcf_proxy_is_self())
		return HOP_PROXY;
	if(parse_uri(ruri->s, ruri->len, &u) < 0)
		return HOP_NONE;
	if(check_self(&u.host, 0, 0) == 1)
		return pf.self_uri(out, outlen) == 0 ? HOP_SELF : HOP_NONE;
	return pf.pager_peer(&u.host, out, outlen) == 0 ? HOP_PEER : HOP_NONE;
}

int imcf_pager_send(const str *ruri, const str *from_uri,
		const str *from_dname, const str *hdrs, const str *ctype,
		const str *body, imcf_pager_cb_f cb, void *arg)
{
	static str method = str_init("MESSAGE");
	char callid[64], tag[32], self[128];
	imua_leg_id_t id;
	im_kbuf_t h = {0};
	str hop = STR_NULL, hs;
	dlg_t dlg;
	uac_req_t uac_r;
	send_cb_t *c;
	int ret;

	imcf_pager_unique(callid, sizeof(callid), "imcf-pg-");
	imcf_pager_unique(tag, sizeof(tag), "");
	memset(&dlg, 0, sizeof(dlg));
	dlg.id.call_id.s = callid;
	dlg.id.call_id.len = strlen(callid);
	dlg.id.loc_tag.s = tag;
	dlg.id.loc_tag.len = strlen(tag);
	dlg.loc_seq.value = 1;
	dlg.loc_seq.is_set = 1;
	dlg.loc_uri = *from_uri;
	dlg.loc_dname = from_dname ? *from_dname : (str)STR_NULL;
	dlg.rem_uri = *ruri;
	dlg.rem_target = *ruri;
	dlg.state = DLG_NEW;
	switch(next_hop(ruri, self, sizeof(self))) {
		case HOP_PROXY:
			dlg.dst_uri = imcf_outbound_proxy;
			break;
		case HOP_PEER:
			dlg.dst_uri.s = self;
			dlg.dst_uri.len = strlen(self);
			break;
		case HOP_SELF:
			/* our own terminating function takes it for ours only when
			 * signed */
			dlg.dst_uri.s = self;
			dlg.dst_uri.len = strlen(self);
			id.method = method;
			id.ruri = *ruri;
			id.call_id = dlg.id.call_id;
			id.from_uri = *from_uri;
			id.from_tag = dlg.id.loc_tag;
			if(pf.hop_header(&id, &hop) < 0)
				return -1;
			break;
		default:
			LM_INFO("no way to %.*s: not ours, no peer taking pager mode\n",
					ruri->len, ruri->s);
			return -1;
	}
	im_kbuf_adds(&h, hdrs);
	im_kbuf_adds(&h, &hop);
	im_kbuf_addf(&h, "Content-Type: %.*s\r\n", ctype->len, ctype->s);
	if(hop.s)
		pkg_free(hop.s);
	hs = im_kbuf_str(&h);
	if(!hs.len) {
		im_kbuf_free(&h);
		return -1;
	}
	c = shm_malloc(sizeof(*c));
	if(!c) {
		SHM_MEM_ERROR;
		im_kbuf_free(&h);
		return -1;
	}
	c->cb = cb;
	c->arg = arg;
	set_uac_req(&uac_r, &method, &hs, (str *)body, &dlg, TMCB_LOCAL_COMPLETED,
			on_completed, c);
	ret = tmb.t_uac(&uac_r);
	im_kbuf_free(&h);
	if(ret < 0) {
		/* tm calls no callback for a request it could not send */
		shm_free(c);
		LM_ERR("cannot send a MESSAGE to %.*s\n", ruri->len, ruri->s);
		return -1;
	}
	return 0;
}

int imcf_pager_send_init(void)
{
	if(load_tm_api(&tmb) < 0) {
		LM_ERR("cannot bind tm\n");
		return -1;
	}
	memset(&pf, 0, sizeof(pf));
	if((!imcf_outbound_proxy.len || imcf_proxy_is_self())
			&& load_im_pf_api(&pf) < 0) {
		LM_ERR("the group pager needs im_pf (or outbound_proxy)\n");
		return -1;
	}
	return 0;
}
