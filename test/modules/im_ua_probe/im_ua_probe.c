/*
 * im_ua_probe: test-only owner of im_ua single dialogs, so that the e2e
 * tests drive the single-dialog API through a real Kamailio.
 *
 *   im_ua_probe_answer()   UAS: opens a dialog for the INVITE, answers 180
 *                          and then 200 with a fixed SDP (Request-URI user
 *                          "ring": 180 only). In the dialog it echoes a
 *                          MESSAGE's body in its 200, answers REFER with
 *                          202 and then sends a NOTIFY (dlg_request),
 *                          answers a re-offer with the fixed SDP.
 *   im_ua_probe.invite     RPC, UAC: INVITE <ruri> [session-expires];
 *                          returns the dialog's key.
 *   im_ua_probe.events     RPC: what the hooks saw, one line each:
 *                          "<hook> <key> [detail]".
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/dprint.h"
#include "core/locking.h"
#include "core/mem/mem.h"
#include "core/mem/shm_mem.h"
#include "core/parser/msg_parser.h"
#include "core/parser/parse_uri.h"
#include "core/rpc.h"
#include "core/rpc_lookup.h"
#include "core/sr_module.h"

#include "im_ua_load.h"

MODULE_VERSION

#define EVENTS_MAX 512
#define EVENT_LEN 256
#define DETAIL_LEN 160

typedef struct probe_events {
	gen_lock_t lock;
	int n;
	char line[EVENTS_MAX][EVENT_LEN];
} probe_events_t;

static probe_events_t *events = NULL;
static imua_api_t ua;
static str from_uri = str_init("sip:probe@127.0.0.1");
static str sdp_type = str_init("application/sdp");
static str sdp = str_init("v=0\r\n"
						  "o=- 1 1 IN IP4 127.0.0.1\r\n"
						  "s=-\r\n"
						  "c=IN IP4 127.0.0.1\r\n"
						  "t=0 0\r\n"
						  "m=message 7394 TCP/MSRP *\r\n"
						  "a=accept-types:text/plain\r\n"
						  "a=path:msrp://127.0.0.1:7394/probe;tcp\r\n");

static void record(const char *hook, const char *key, const char *fmt, ...)
{
	char detail[DETAIL_LEN];
	va_list ap;

	detail[0] = '\0';
	if(fmt) {
		va_start(ap, fmt);
		vsnprintf(detail, sizeof(detail), fmt, ap);
		va_end(ap);
	}
	lock_get(&events->lock);
	if(events->n < EVENTS_MAX) {
		snprintf(events->line[events->n], EVENT_LEN, "%.16s %.32s%s%s", hook,
				key, detail[0] ? " " : "", detail);
		events->n++;
	}
	lock_release(&events->lock);
	LM_INFO("probe: %s %s %s\n", hook, key, detail);
}

static int pkg_copy(str *dst, const char *s, int len)
{
	dst->s = pkg_malloc(len + 1);
	if(!dst->s) {
		PKG_MEM_ERROR;
		return -1;
	}
	memcpy(dst->s, s, len);
	dst->len = len;
	return 0;
}

static str body_of(struct sip_msg *msg)
{
	str b = STR_NULL;

	b.s = get_body(msg);
	if(b.s)
		b.len = msg->buf + msg->len - b.s;
	return b;
}

static int on_answered(imua_call_t *c, void *app, struct sip_msg *rpl)
{
	imua_call_info_t info;

	ua.call_info(c, &info);
	record("answered", info.key, "%d", rpl->first_line.u.reply.statuscode);
	return 0;
}

static void on_failed(imua_call_t *c, void *app, int code, struct sip_msg *rpl)
{
	imua_call_info_t info;

	ua.call_info(c, &info);
	record("failed", info.key, "%d", code);
}

static int on_reoffer(imua_call_t *c, void *app, struct sip_msg *req,
		imua_out_t *out)
{
	imua_call_info_t info;

	ua.call_info(c, &info);
	record("reoffer", info.key, NULL);
	out->ctype = sdp_type;
	return pkg_copy(&out->body, sdp.s, sdp.len);
}

static void notify_done(const str *key, int code, void *arg)
{
	char k[32];

	snprintf(k, sizeof(k), "%.*s", key->len, key->s);
	record("notify", k, "%d", code);
}

static int on_request(imua_call_t *c, void *app, struct sip_msg *req,
		imua_out_t *out)
{
	static str accepted = str_init("Accepted");
	static str notify = str_init("NOTIFY");
	static str notify_hdrs = str_init(
			"Event: refer\r\nSubscription-State: terminated;reason=noresource\r\n");
	static str frag_type = str_init("message/sipfrag");
	static str frag = str_init("SIP/2.0 200 OK\r\n");
	imua_call_info_t info;
	str key, b;

	ua.call_info(c, &info);
	key.s = (char *)info.key;
	key.len = strlen(info.key);
	record("request", info.key, "%.*s", req->first_line.u.request.method.len,
			req->first_line.u.request.method.s);
	if(req->REQ_METHOD == METHOD_MESSAGE) {
		b = body_of(req);
		out->ctype = (str)str_init("text/plain");
		if(b.len && pkg_copy(&out->body, b.s, b.len) < 0)
			return 500;
		return 200;
	}
	if(req->REQ_METHOD == METHOD_REFER) {
		/* our own 202 first, so that the NOTIFY follows it */
		ua.reply(req, 202, &accepted, NULL, NULL, NULL);
		if(ua.dlg_request(&key, &notify, &notify_hdrs, &frag_type, &frag,
				   notify_done, NULL)
				< 0)
			record("notify", info.key, "not sent");
		return 0;
	}
	return 405;
}

static void on_ended(imua_call_t *c, void *app, const char *reason)
{
	imua_call_info_t info;

	ua.call_info(c, &info);
	record("ended", info.key, "%s", reason);
}

static const imua_dlg_hooks_t hooks = {
		on_answered, on_failed, on_reoffer, on_request, on_ended};

static int ki_im_ua_probe_answer(struct sip_msg *msg)
{
	imua_uas_t uas;
	imua_out_t rej;
	char key[32];
	str k;
	int ret;

	memset(&uas, 0, sizeof(uas));
	uas.contact_params = (str)str_init(";isfocus");
	uas.refresher = IMUA_PREF_UAS;
	uas.hooks = &hooks;
	ret = ua.uas_open(msg, &uas, key, sizeof(key), &rej);
	if(ret == 0)
		return 1;
	if(ret < 0) {
		ua.reply(msg, rej.code, &rej.reason, &rej.hdrs, NULL, NULL);
		ua.out_free(&rej);
		return 1;
	}
	record("open", key, NULL);
	k.s = key;
	k.len = strlen(key);
	ua.uas_answer(&k, 180, NULL, NULL, NULL, NULL);
	if(parse_sip_msg_uri(msg) >= 0 && msg->parsed_uri.user.len == 4
			&& strncmp(msg->parsed_uri.user.s, "ring", 4) == 0)
		return 1;
	if(ua.uas_answer(&k, 200, NULL, NULL, &sdp_type, &sdp) < 0)
		record("answer", key, "failed");
	return 1;
}

static int w_im_ua_probe_answer(struct sip_msg *msg, char *p1, char *p2)
{
	return ki_im_ua_probe_answer(msg);
}

static void rpc_invite(rpc_t *rpc, void *ctx)
{
	imua_uac_t uac;
	str ruri = STR_NULL;
	int se = 0;
	char key[32];

	if(rpc->scan(ctx, "S*d", &ruri, &se) < 1)
		return;
	memset(&uac, 0, sizeof(uac));
	uac.ruri = ruri;
	uac.to_uri = ruri;
	uac.from_uri = from_uri;
	uac.body = sdp;
	uac.ctype = sdp_type;
	uac.se = se > 0 ? (unsigned int)se : 0;
	uac.hooks = &hooks;
	if(ua.uac_invite(&uac, key, sizeof(key)) < 0) {
		rpc->fault(ctx, 500, "INVITE not sent");
		return;
	}
	record("invite", key, "%.*s", ruri.len, ruri.s);
	rpc->add(ctx, "s", key);
}

static void rpc_events(rpc_t *rpc, void *ctx)
{
	lock_get(&events->lock);
	for(int i = 0; i < events->n; i++)
		rpc->add(ctx, "s", events->line[i]);
	lock_release(&events->lock);
}

static const char *rpc_invite_doc[] = {
		"Send an INVITE as a single UAC dialog: <ruri> [session-expires].", 0};
static const char *rpc_events_doc[] = {"What the dialog hooks saw.", 0};

static rpc_export_t rpc_cmds[] = {
		{"im_ua_probe.invite", rpc_invite, rpc_invite_doc, 0},
		{"im_ua_probe.events", rpc_events, rpc_events_doc, RET_ARRAY},
		{0, 0, 0, 0}};

static cmd_export_t cmds[] = {
		{"im_ua_probe_answer", (cmd_function)w_im_ua_probe_answer, 0, 0, 0,
				REQUEST_ROUTE},
		{0, 0, 0, 0, 0, 0}};

static param_export_t params[] = {{"from_uri", PARAM_STR, &from_uri}, {0, 0, 0}};

static int mod_init(void)
{
	if(load_im_ua_api(&ua) < 0)
		return -1;
	events = shm_malloc(sizeof(*events));
	if(!events) {
		SHM_MEM_ERROR;
		return -1;
	}
	memset(events, 0, sizeof(*events));
	lock_init(&events->lock);
	return 0;
}

static void mod_destroy(void)
{
	if(events)
		shm_free(events);
	events = NULL;
}

struct module_exports exports = {"im_ua_probe", DEFAULT_DLFLAGS, cmds, params,
		rpc_cmds, 0, 0, mod_init, 0, mod_destroy};
