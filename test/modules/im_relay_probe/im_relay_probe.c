/*
 * im_relay_probe: drives im_relay's conference/endpoint session API from
 * RPC commands, for the end-to-end tests only (there is no other user of
 * it in Kamailio yet). Sessions and legs live in a small shm table; the
 * watch and report callbacks are recorded in shm rings the tests read
 * back with im_relay_probe.watched / .reports.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dprint.h"
#include "core/locking.h"
#include "core/mem/mem.h"
#include "core/mem/shm_mem.h"
#include "core/rpc.h"
#include "core/rpc_lookup.h"
#include "core/sr_module.h"
#include "im_rpc_args.h"

#include "im_relay_load.h"

MODULE_VERSION

#define PROBE_SESSIONS 8
#define PROBE_LEGS 8
#define PROBE_RING 64
#define PROBE_TEXT 96

typedef struct probe_session {
	int used;
	imr_session_t s;
	imr_leg_t legs[PROBE_LEGS];
	int leg_used[PROBE_LEGS];
} probe_session_t;

/* One watch or report callback as it was called. */
typedef struct probe_note {
	char what[PROBE_TEXT]; /* watch: the event; report: the message id */
	char session[PROBE_TEXT], leg[PROBE_TEXT], reason[PROBE_TEXT],
			sender[PROBE_TEXT];
	int relay, code;
} probe_note_t;

typedef struct probe_ring {
	int n; /* notes ever written; the last PROBE_RING are kept */
	probe_note_t note[PROBE_RING];
} probe_ring_t;

typedef struct probe_shm {
	gen_lock_t lock; /* sessions: held across the API call */
	gen_lock_t ring_lock;
	probe_session_t sessions[PROBE_SESSIONS];
	probe_ring_t watched, reports;
} probe_shm_t;

static probe_shm_t *probe;
static imr_api_t relay;

static void note_add(probe_ring_t *ring, int relay_index, const char *what,
		const char *session, const char *leg, int code, const char *reason,
		const char *sender)
{
	probe_note_t *n;

	lock_get(&probe->ring_lock);
	n = &ring->note[ring->n++ % PROBE_RING];
	memset(n, 0, sizeof(*n));
	n->relay = relay_index;
	n->code = code;
	snprintf(n->what, sizeof(n->what), "%s", what ? what : "");
	snprintf(n->session, sizeof(n->session), "%s", session ? session : "");
	snprintf(n->leg, sizeof(n->leg), "%s", leg ? leg : "");
	snprintf(n->reason, sizeof(n->reason), "%s", reason ? reason : "");
	snprintf(n->sender, sizeof(n->sender), "%s", sender ? sender : "");
	lock_release(&probe->ring_lock);
}

static void on_watch(
		int relay_index, const char *what, const char *session, const char *leg)
{
	note_add(&probe->watched, relay_index, what, session, leg, 0, NULL, NULL);
}

static void on_report(int relay_index, const imr_delivery_t *d)
{
	note_add(&probe->reports, relay_index, d->message_id, d->session, d->leg,
			d->code, d->reason, d->sender_leg);
}

static int mod_init(void)
{
	if(load_im_relay_api(&relay) < 0)
		return -1;
	probe = shm_malloc(sizeof(*probe));
	if(!probe) {
		SHM_MEM_ERROR;
		return -1;
	}
	memset(probe, 0, sizeof(*probe));
	lock_init(&probe->lock);
	lock_init(&probe->ring_lock);
	if(relay.watch(on_watch) < 0 || relay.report(on_report) < 0)
		return -1;
	return 0;
}

/* The next argument as a NUL-terminated copy in buf. 1, or 0 with the
 * fault sent (or an optional one absent). */
static int arg(im_rpc_args_t *a, const char *name, char *buf, size_t cap,
		int required)
{
	str v = STR_NULL;
	int r = im_rpc_arg(a, name, &v, required);

	buf[0] = '\0';
	if(r < 1)
		return r == 0 && !required;
	if((size_t)v.len >= cap) {
		a->rpc->fault(a->ctx, 400, "%s too long", name);
		return 0;
	}
	memcpy(buf, v.s, v.len);
	buf[v.len] = '\0';
	return 1;
}

static probe_session_t *find(const char *id)
{
	for(int i = 0; i < PROBE_SESSIONS; i++)
		if(probe->sessions[i].used && strcmp(probe->sessions[i].s.id, id) == 0)
			return &probe->sessions[i];
	return NULL;
}

static imr_leg_t *find_leg(probe_session_t *ps, const char *leg, int make)
{
	for(int i = 0; i < PROBE_LEGS; i++)
		if(ps->leg_used[i] && strcmp(ps->legs[i].id, leg) == 0)
			return &ps->legs[i];
	for(int i = 0; make && i < PROBE_LEGS; i++)
		if(!ps->leg_used[i]) {
			ps->leg_used[i] = 1;
			return &ps->legs[i];
		}
	return NULL;
}

/* A file's content (pkg, up to 64 KiB: an SDP, a body), or NULL with
 * the fault sent. */
static char *read_file(rpc_t *rpc, void *ctx, const char *path, str *sdp)
{
	FILE *f = fopen(path, "rb");
	char *buf = pkg_malloc(65536);
	size_t n;

	if(!f || !buf) {
		if(f)
			fclose(f);
		if(buf)
			pkg_free(buf);
		rpc->fault(ctx, 400, "cannot read %s", path);
		return NULL;
	}
	n = fread(buf, 1, 65535, f);
	fclose(f);
	sdp->s = buf;
	sdp->len = (int)n;
	return buf;
}

static void party_of(imr_party_t *p, char *uri)
{
	memset(p, 0, sizeof(*p));
	p->uri.s = uri;
	p->uri.len = strlen(uri);
	p->version.s = "IM-client/OMA1.0";
	p->version.len = strlen(p->version.s);
}

/* The command's fault for a failed API call; str result otherwise. */
static void reply_sdp(rpc_t *rpc, void *ctx, int ret, str *sdp, imr_err_t *e)
{
	if(ret < 0) {
		rpc->fault(ctx, e->code, "%s", e->text);
		return;
	}
	rpc->add(ctx, "S", sdp);
	pkg_free(sdp->s);
}

static void rpc_open(rpc_t *rpc, void *ctx)
{
	char id[IMR_SESSION_ID_MAX], identity[256], type[16];
	imr_session_opts_t o;
	imr_err_t e;
	im_rpc_args_t a;
	probe_session_t *ps = NULL;

	im_rpc_args_init(&a, rpc, ctx, "id, identity [, conference|endpoint]");
	if(!arg(&a, "id", id, sizeof(id), 1)
			|| !arg(&a, "identity", identity, sizeof(identity), 1)
			|| !arg(&a, "type", type, sizeof(type), 0) || im_rpc_end(&a) < 0)
		return;
	memset(&o, 0, sizeof(o));
	o.identity.s = identity;
	o.identity.len = strlen(identity);
	o.private_messages = 1;
	lock_get(&probe->lock);
	for(int i = 0; i < PROBE_SESSIONS && !ps; i++)
		if(!probe->sessions[i].used)
			ps = &probe->sessions[i];
	if(!ps || find(id)) {
		lock_release(&probe->lock);
		rpc->fault(ctx, 409, "table full or session exists");
		return;
	}
	memset(ps, 0, sizeof(*ps));
	if(relay.session_open(&ps->s,
			   strcmp(type, "endpoint") == 0 ? IMR_ENDPOINT : IMR_CONFERENCE,
			   id, &o, &e)
			< 0) {
		lock_release(&probe->lock);
		rpc->fault(ctx, e.code, "%s", e.text);
		return;
	}
	ps->used = 1;
	lock_release(&probe->lock);
	rpc->rpl_printf(ctx, "ok");
}

/* accept, offer, complete, reaccept: id, leg, then what the step needs */
enum { ACCEPT, OFFER, COMPLETE, REACCEPT };

static void leg_step(rpc_t *rpc, void *ctx, int step)
{
	char id[IMR_SESSION_ID_MAX], leg[IMR_LEG_ID_MAX], uri[256] = "",
			file[512] = "", tls[8] = "";
	str in = STR_NULL, out = STR_NULL;
	char *buf = NULL;
	imr_party_t party;
	imr_err_t e = {500, "no such session or leg"};
	im_rpc_args_t a;
	probe_session_t *ps;
	imr_leg_t *l;
	int ret = -1;

	im_rpc_args_init(&a, rpc, ctx, "id, leg, ...");
	if(!arg(&a, "id", id, sizeof(id), 1) || !arg(&a, "leg", leg, sizeof(leg), 1)
			|| ((step == ACCEPT || step == OFFER || step == REACCEPT)
					&& !arg(&a, "uri", uri, sizeof(uri), 1))
			|| (step != OFFER && !arg(&a, "sdp file", file, sizeof(file), 1))
			|| (step == OFFER && !arg(&a, "tls", tls, sizeof(tls), 0))
			|| im_rpc_end(&a) < 0)
		return;
	if(file[0] && !(buf = read_file(rpc, ctx, file, &in)))
		return;
	party_of(&party, uri);
	lock_get(&probe->lock);
	ps = find(id);
	l = ps ? find_leg(ps, leg, step == ACCEPT || step == OFFER) : NULL;
	if(l && step == ACCEPT)
		ret = relay.leg_accept(&ps->s, l, leg, &in, &party, &out, &e);
	else if(l && step == OFFER)
		ret = relay.leg_offer(
				&ps->s, l, leg, &party, tls[0] == '1', NULL, NULL, &out, &e);
	else if(l && step == COMPLETE)
		ret = relay.leg_complete(&ps->s, l, &in, NULL, &e);
	else if(l)
		ret = relay.leg_reaccept(&ps->s, l, &in, &party, &out, &e);
	lock_release(&probe->lock);
	if(buf)
		pkg_free(buf);
	if(step == COMPLETE && ret == 0)
		rpc->rpl_printf(ctx, "ok");
	else
		reply_sdp(rpc, ctx, ret, &out, &e);
}

static void rpc_accept(rpc_t *rpc, void *ctx)
{
	leg_step(rpc, ctx, ACCEPT);
}

static void rpc_offer(rpc_t *rpc, void *ctx)
{
	leg_step(rpc, ctx, OFFER);
}

static void rpc_complete(rpc_t *rpc, void *ctx)
{
	leg_step(rpc, ctx, COMPLETE);
}

static void rpc_reaccept(rpc_t *rpc, void *ctx)
{
	leg_step(rpc, ctx, REACCEPT);
}

static void rpc_remove(rpc_t *rpc, void *ctx)
{
	char id[IMR_SESSION_ID_MAX], leg[IMR_LEG_ID_MAX];
	im_rpc_args_t a;
	probe_session_t *ps;
	imr_leg_t *l = NULL;

	im_rpc_args_init(&a, rpc, ctx, "id, leg");
	if(!arg(&a, "id", id, sizeof(id), 1) || !arg(&a, "leg", leg, sizeof(leg), 1)
			|| im_rpc_end(&a) < 0)
		return;
	lock_get(&probe->lock);
	ps = find(id);
	if(ps && (l = find_leg(ps, leg, 0))) {
		relay.leg_remove(&ps->s, l);
		ps->leg_used[l - ps->legs] = 0;
	}
	lock_release(&probe->lock);
	if(l)
		rpc->rpl_printf(ctx, "ok");
	else
		rpc->fault(ctx, 404, "no such session or leg");
}

/* inject: the body given as text, or (from_file) the content of a file,
 * which may be any bytes */
static void inject_step(rpc_t *rpc, void *ctx, int from_file)
{
	char id[IMR_SESSION_ID_MAX], leg[IMR_LEG_ID_MAX], ctype[128], body[4096],
			mid[64];
	str sct, sbody, smid;
	char *buf = NULL;
	imr_err_t e = {404, "no such session"};
	im_rpc_args_t a;
	probe_session_t *ps;
	int ret = -1;

	im_rpc_args_init(&a, rpc, ctx, "id, leg, content type, body [, message id]");
	if(!arg(&a, "id", id, sizeof(id), 1) || !arg(&a, "leg", leg, sizeof(leg), 1)
			|| !arg(&a, "content type", ctype, sizeof(ctype), 1)
			|| !arg(&a, "body", body, sizeof(body), 1)
			|| !arg(&a, "message id", mid, sizeof(mid), 0)
			|| im_rpc_end(&a) < 0)
		return;
	sbody.s = body;
	sbody.len = strlen(body);
	if(from_file && !(buf = read_file(rpc, ctx, body, &sbody)))
		return;
	sct.s = ctype;
	sct.len = strlen(ctype);
	smid.s = mid;
	smid.len = strlen(mid);
	lock_get(&probe->lock);
	ps = find(id);
	if(ps)
		ret = relay.inject(&ps->s, leg, &sct, &sbody, &smid, 1, &e);
	lock_release(&probe->lock);
	if(buf)
		pkg_free(buf);
	if(ret < 0)
		rpc->fault(ctx, e.code, "%s", e.text);
	else
		rpc->rpl_printf(ctx, "ok");
}

static void rpc_inject(rpc_t *rpc, void *ctx)
{
	inject_step(rpc, ctx, 0);
}

static void rpc_inject_file(rpc_t *rpc, void *ctx)
{
	inject_step(rpc, ctx, 1);
}

static void rpc_close(rpc_t *rpc, void *ctx)
{
	char id[IMR_SESSION_ID_MAX];
	im_rpc_args_t a;
	probe_session_t *ps;

	im_rpc_args_init(&a, rpc, ctx, "id");
	if(!arg(&a, "id", id, sizeof(id), 1) || im_rpc_end(&a) < 0)
		return;
	lock_get(&probe->lock);
	ps = find(id);
	if(ps) {
		relay.session_close(&ps->s);
		ps->used = 0;
	}
	lock_release(&probe->lock);
	if(ps)
		rpc->rpl_printf(ctx, "ok");
	else
		rpc->fault(ctx, 404, "no such session");
}

static void list_ring(rpc_t *rpc, void *ctx, probe_ring_t *ring, int report)
{
	probe_ring_t snap;
	void *th;
	int first;

	lock_get(&probe->ring_lock);
	snap = *ring;
	lock_release(&probe->ring_lock);
	first = snap.n > PROBE_RING ? snap.n - PROBE_RING : 0;
	for(int i = first; i < snap.n; i++) {
		probe_note_t *n = &snap.note[i % PROBE_RING];
		if(rpc->add(ctx, "{", &th) < 0)
			return;
		if(report)
			rpc->struct_add(th, "dsssdss", "relay", n->relay, "message_id",
					n->what, "session", n->session, "leg", n->leg, "code",
					n->code, "reason", n->reason, "sender", n->sender);
		else
			rpc->struct_add(th, "dsss", "relay", n->relay, "what", n->what,
					"session", n->session, "leg", n->leg);
	}
}

static void rpc_watched(rpc_t *rpc, void *ctx)
{
	list_ring(rpc, ctx, &probe->watched, 0);
}

static void rpc_reports(rpc_t *rpc, void *ctx)
{
	list_ring(rpc, ctx, &probe->reports, 1);
}

static const char *doc_open[] = {"open <id> <identity> [conference|endpoint]", 0};
static const char *doc_accept[] = {"accept <id> <leg> <uri> <sdp-file>: our answer", 0};
static const char *doc_offer[] = {"offer <id> <leg> <uri> [tls 0|1]: our offer", 0};
static const char *doc_complete[] = {"complete <id> <leg> <sdp-file>", 0};
static const char *doc_reaccept[] = {"reaccept <id> <leg> <uri> <sdp-file>", 0};
static const char *doc_remove[] = {"remove <id> <leg>", 0};
static const char *doc_inject[] = {"inject <id> <leg> <ctype> <body> [mid]", 0};
static const char *doc_inject_file[] = {
		"inject_file <id> <leg> <ctype> <file> [mid]", 0};
static const char *doc_close[] = {"close <id>", 0};
static const char *doc_watched[] = {"watch callbacks seen", 0};
static const char *doc_reports[] = {"report callbacks seen", 0};

static rpc_export_t rpc_cmds[] = {
		{"im_relay_probe.open", rpc_open, doc_open, 0},
		{"im_relay_probe.accept", rpc_accept, doc_accept, 0},
		{"im_relay_probe.offer", rpc_offer, doc_offer, 0},
		{"im_relay_probe.complete", rpc_complete, doc_complete, 0},
		{"im_relay_probe.reaccept", rpc_reaccept, doc_reaccept, 0},
		{"im_relay_probe.remove", rpc_remove, doc_remove, 0},
		{"im_relay_probe.inject", rpc_inject, doc_inject, 0},
		{"im_relay_probe.inject_file", rpc_inject_file, doc_inject_file, 0},
		{"im_relay_probe.close", rpc_close, doc_close, 0},
		{"im_relay_probe.watched", rpc_watched, doc_watched, RET_ARRAY},
		{"im_relay_probe.reports", rpc_reports, doc_reports, RET_ARRAY},
		{0, 0, 0, 0}};

struct module_exports exports = {
		"im_relay_probe", DEFAULT_DLFLAGS, 0, 0, rpc_cmds, 0, 0, mod_init, 0,
		0};
