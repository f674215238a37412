#include <stdio.h>
#include <string.h>

#include "core/dprint.h"
#include "core/rpc.h"
#include "core/timer.h"
#include "im_rpc_args.h"

#include "im_ua_flow.h"
#include "im_ua_rpc.h"

static const char *refresher_name(imua_refresher_t r)
{
	switch(r) {
		case IMUA_REFRESH_US:
			return "us";
		case IMUA_REFRESH_PEER:
			return "peer";
		default:
			return "none";
	}
}

static void add_leg(rpc_t *rpc, void *th, const char *name,
		const imua_leg_t *l)
{
	void *lh;

	if(rpc->struct_add(th, "{", name, &lh) < 0)
		return;
	rpc->struct_add(lh, "SSSSSSsddd", "call_id", &l->call_id, "local_tag",
			&l->local_tag, "remote_tag", &l->remote_tag, "remote_uri",
			&l->remote_uri, "remote_target", &l->remote_target, "contact",
			&l->contact, "refresher", refresher_name(l->refresher),
			"session_expires", (int)l->se, "local_cseq", (int)l->local_cseq,
			"remote_cseq", (int)l->remote_cseq);
}

static void add_call(rpc_t *rpc, void *ctx, imua_call_t *c)
{
	void *th;
	unsigned int now = get_ticks();
	int live = 0, silent = 0;

	if(rpc->add(ctx, "{", &th) < 0)
		return;
	lock_get(&c->lock);
	for(int i = 0; c->parallel && i < c->n_branches; i++) {
		live += c->branch[i].live;
		silent += c->branch[i].live && c->branch[i].silent;
	}
	rpc->struct_add(th, "sssdsdddd", "key", c->key, "kind",
			imua_mode_name(c->mode), "state", imua_state_name(c->state),
			"age", (int)(now - c->created),
			"end_reason", c->end_reason, "targets_tried",
			(int)c->attempt + 1, "targets_left",
			c->n_targets - c->next_target, "branches_live", live,
			"branches_silent", silent);
	add_leg(rpc, th, "a", &c->leg[IMUA_LEG_A]);
	add_leg(rpc, th, "b", &c->leg[IMUA_LEG_B]);
	lock_release(&c->lock);
}

typedef struct list_ctx {
	rpc_t *rpc;
	void *ctx;
} list_ctx_t;

static int list_one(imua_call_t *c, void *arg)
{
	list_ctx_t *l = arg;

	add_call(l->rpc, l->ctx, c);
	return 0;
}

static const char *imua_rpc_list_doc[] = {
		"List the B2BUA calls and single dialogs: key, kind (b2b, uas, "
		"uac), state, age, contacts of the callee "
		"tried and left (serial forking), branches still without a final "
		"response and those of them not waited for (parallel forking: "
		"no response within contact_timeout), and per leg the dialog "
		"(Call-ID, tags, remote target, our Contact, CSeqs) and its session "
		"timer.",
		0};

static void imua_rpc_list(rpc_t *rpc, void *ctx)
{
	list_ctx_t l = {rpc, ctx};

	if(im_rpc_none(rpc, ctx) < 0)
		return;
	imua_calls_foreach(list_one, &l);
}

static const char *imua_rpc_show_doc[] = {
		"Show one call by its key (or a leg's Call-ID).", 0};

static void imua_rpc_show(rpc_t *rpc, void *ctx)
{
	str key = STR_NULL;
	imua_call_t *c;
	int leg;
	im_rpc_args_t a;

	/* a numeric Call-ID arrives from kamcmd as an integer */
	im_rpc_args_init(&a, rpc, ctx, "call key or Call-ID");
	if(im_rpc_arg(&a, "call key", &key, 1) < 1 || im_rpc_end(&a) < 0)
		return;
	c = imua_call_by_key(&key);
	if(!c)
		c = imua_call_by_callid(&key, &leg);
	if(!c) {
		rpc->fault(ctx, 404, "no call %.*s", key.len, key.s);
		return;
	}
	add_call(rpc, ctx, c);
	imua_call_unref(c);
}

static const char *imua_rpc_terminate_doc[] = {
		"End a call by its key: an unanswered one gets 503 (a uas dialog "
		"480) and its outgoing INVITE a CANCEL, an established one a BYE on "
		"each leg in use.",
		0};

static void imua_rpc_terminate(rpc_t *rpc, void *ctx)
{
	str key = STR_NULL;
	im_rpc_args_t a;

	im_rpc_args_init(&a, rpc, ctx, "call key");
	if(im_rpc_arg(&a, "call key", &key, 1) < 1 || im_rpc_end(&a) < 0)
		return;
	if(imua_terminate(&key, "terminated by rpc") < 0) {
		rpc->fault(ctx, 404, "no call %.*s", key.len, key.s);
		return;
	}
	rpc->rpl_printf(ctx, "terminated");
}

static const char *imua_rpc_stats_doc[] = {"Number of calls in memory.", 0};

static void imua_rpc_stats(rpc_t *rpc, void *ctx)
{
	void *th;

	if(im_rpc_none(rpc, ctx) < 0)
		return;
	if(rpc->add(ctx, "{", &th) < 0)
		return;
	rpc->struct_add(th, "d", "calls", (int)imua_calls_count());
}

rpc_export_t imua_rpc_cmds[] = {
		{"im_ua.list", imua_rpc_list, imua_rpc_list_doc, RET_ARRAY},
		{"im_ua.show", imua_rpc_show, imua_rpc_show_doc, 0},
		{"im_ua.terminate", imua_rpc_terminate, imua_rpc_terminate_doc, 0},
		{"im_ua.stats", imua_rpc_stats, imua_rpc_stats_doc, 0},
		{0, 0, 0, 0}};
