#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/dprint.h"
#include "core/parser/parse_rr.h"
#include "modules/tm/tm_load.h"

#include "im_cf_ci.h"
#include "im_cf_notify.h"

static struct tm_binds tmb;
static imcf_notify_done_f notify_done_cb;

int imcf_notify_init(imcf_notify_done_f done)
{
	notify_done_cb = done;
	if(load_tm_api(&tmb) < 0) {
		LM_ERR("cannot bind tm: load it before im_cf\n");
		return -1;
	}
	return 0;
}

int imcf_notify_reply_totag(struct sip_msg *msg, char *tag, int len)
{
	str t = STR_NULL;

	if(tmb.t_get_reply_totag(msg, &t) < 0 || !t.len || t.len >= len)
		return -1;
	memcpy(tag, t.s, t.len);
	tag[t.len] = '\0';
	return 0;
}

static void notify_done(struct cell *t, int type, struct tmcb_params *ps)
{
	(void)t;
	(void)type;
	notify_done_cb((unsigned int)(uintptr_t)*ps->param, ps->code);
}

static str cs(const char *s)
{
	str r = {(char *)s, (int)strlen(s)};

	return r;
}

int imcf_notify_send(const imcf_notify_t *n)
{
	static str method = str_init("NOTIFY");
	char hdrs[IMCF_URI_MAX + 256];
	str h, body = STR_NULL;
	dlg_t dlg;
	uac_req_t uac_r;
	int ret;

	snprintf(hdrs, sizeof(hdrs),
			"Event: conference\r\nSubscription-State: %s\r\n"
			"Contact: <%s>\r\n%s",
			n->state, n->dlg.contact,
			n->body ? "Content-Type: " IMCF_CT_CONFINFO "\r\n" : "");
	h = cs(hdrs);
	if(n->body) {
		body.s = (char *)n->body;
		body.len = (int)n->len;
	}
	memset(&dlg, 0, sizeof(dlg));
	dlg.id.call_id = cs(n->dlg.call_id);
	dlg.id.loc_tag = cs(n->dlg.local_tag);
	dlg.id.rem_tag = cs(n->dlg.remote_tag);
	dlg.loc_seq.value = n->cseq;
	dlg.loc_seq.is_set = 1;
	dlg.loc_uri = cs(n->dlg.local_uri);
	dlg.rem_uri = cs(n->dlg.remote_uri);
	dlg.rem_target = cs(n->dlg.target);
	dlg.state = DLG_CONFIRMED;
	dlg.send_sock = n->dlg.sock;
	if(n->dlg.route_set[0]
			&& parse_rr_body((char *)n->dlg.route_set,
					   strlen(n->dlg.route_set), &dlg.route_set)
					   < 0) {
		LM_ERR("subscription %u: bad route set\n", n->sub_id);
		notify_done_cb(n->sub_id, 500);
		return -1;
	}
	set_uac_req(&uac_r, &method, &h, n->body ? &body : NULL, &dlg,
			TMCB_LOCAL_COMPLETED, notify_done,
			(void *)(uintptr_t)n->sub_id);
	ret = tmb.t_request_within(&uac_r);
	if(dlg.route_set)
		free_rr(&dlg.route_set);
	if(ret < 0) {
		LM_ERR("subscription %u: cannot send NOTIFY\n", n->sub_id);
		notify_done_cb(n->sub_id, 500);
		return -1;
	}
	return 0;
}
