/*
 * RPC: im_cf.list, im_cf.show <session>, im_cf.terminate <session>,
 * im_cf.remove <session> <user>,
 * im_cf.message <session> <text> [service [content-type]], im_cf.stats.
 */
#include <string.h>
#include <time.h>

#include "core/dprint.h"
#include "core/mem/mem.h"
#include "core/rpc.h"

#include "im_mime.h"
#include "im_rpc_args.h"

#include "im_cf.h"
#include "im_cf_actions.h"
#include "im_cf_pager_agg.h"
#include "im_cf_report.h"
#include "im_cf_rpc.h"
#include "im_cf_subs.h"
#include "im_cf_sysmsg.h"
#include "im_cf_table.h"

/* A pkg copy of s's conference, taken under its lock. */
static imcf_conf_t *copy_conf(imcf_session_t *s)
{
	size_t len = imcf_conf_size(s->conf.cap);
	imcf_conf_t *c = pkg_malloc(len);

	if(!c) {
		PKG_MEM_ERROR;
		return NULL;
	}
	imcf_session_lock(s);
	memcpy(c, &s->conf, len);
	imcf_session_unlock(s);
	return c;
}

static void add_summary(rpc_t *rpc, void *th, const imcf_conf_t *c)
{
	rpc->struct_add(th, "sssddddd", "id", c->id, "identity", c->identity,
			"type", imcf_type_name(c->type), "participants",
			imcf_conf_active(c), "users", c->n, "version", (int)c->version,
			"age", (int)(time(NULL) - c->start), "released", c->released);
}

typedef struct walk
{
	rpc_t *rpc;
	void *ctx;
} walk_t;

static int list_one(imcf_session_t *s, void *arg)
{
	walk_t *w = arg;
	imcf_conf_t *c = copy_conf(s);
	void *th;

	if(!c)
		return 1;
	if(w->rpc->add(w->ctx, "{", &th) >= 0)
		add_summary(w->rpc, th, c);
	pkg_free(c);
	return 0;
}

static void rpc_list(rpc_t *rpc, void *ctx)
{
	walk_t w = {rpc, ctx};

	if(im_rpc_none(rpc, ctx) < 0)
		return;
	imcf_table_foreach(list_one, &w);
}

static const char *rpc_list_doc[] = {
		"The sessions of this node: id, identity, type, participants with "
		"a dialog, users ever invited, conference-state version, age.",
		0};

/* The session named by the first argument, referenced; NULL: fault sent. */
static imcf_session_t *session_arg(im_rpc_args_t *a)
{
	str id;
	char buf[IMCF_ID_MAX];
	imcf_session_t *s;

	if(im_rpc_arg(a, "session", &id, 1) < 1)
		return NULL;
	if(id.len >= (int)sizeof(buf)) {
		a->rpc->fault(a->ctx, 404, "no such session");
		return NULL;
	}
	memcpy(buf, id.s, id.len);
	buf[id.len] = '\0';
	s = imcf_session_get(buf);
	if(!s)
		a->rpc->fault(a->ctx, 404, "no such session");
	return s;
}

static void rpc_show(rpc_t *rpc, void *ctx)
{
	im_rpc_args_t a;
	imcf_session_t *s;
	imcf_conf_t *c;
	void *th, *ah, *ph;

	im_rpc_args_init(&a, rpc, ctx, "session");
	s = session_arg(&a);
	if(!s)
		return;
	if(im_rpc_end(&a) < 0 || !(c = copy_conf(s))) {
		imcf_session_put(s);
		return;
	}
	if(rpc->add(ctx, "{", &th) >= 0) {
		add_summary(rpc, th, c);
		rpc->struct_add(th, "dsd", "max_duration", c->max_duration,
				"relay_session", s->relay.id, "relay", s->relay.relay);
		if(rpc->struct_add(th, "[", "users", &ah) >= 0) {
			for(int i = 0; i < c->n; i++) {
				const imcf_participant_t *p = &c->p[i];

				if(rpc->array_add(ah, "{", &ph) < 0)
					break;
				rpc->struct_add(ph, "sssssssssd", "uri", p->uri, "display",
						p->display, "alias", p->alias_uri, "alias_display",
						p->alias_display, "state", imcf_pstate_name(p->state),
						"joining", imcf_join_name(p->joining), "disconnection",
						imcf_disc_name(p->disconnection), "dialog", p->leg_key,
						"relay_leg", s->legs[i].id, "originator",
						p->originator);
			}
		}
		imcf_subs_rpc(rpc, th, c->id); /* CF-11 */
	}
	pkg_free(c);
	imcf_session_put(s);
}

static const char *rpc_show_doc[] = {
		"One session and every user it invited: state, joining and "
		"disconnection method (RFC 4575), im_ua dialog, relay leg.",
		0};

static void rpc_terminate(rpc_t *rpc, void *ctx)
{
	im_rpc_args_t a;
	imcf_session_t *s;

	im_rpc_args_init(&a, rpc, ctx, "session");
	s = session_arg(&a);
	if(!s)
		return;
	if(im_rpc_end(&a) == 0) {
		imcf_session_event(s, &(imcf_event_t){.type = IMCF_EV_TERMINATE}, NULL);
		rpc->rpl_printf(ctx, "ok");
	}
	imcf_session_put(s);
}

static const char *rpc_terminate_doc[] = {
		"Releases a session (CF-16): BYE to the participants, CANCEL of "
		"pending invitations, the relay conference closed.",
		0};

static void rpc_remove(rpc_t *rpc, void *ctx)
{
	im_rpc_args_t a;
	imcf_session_t *s;
	imcf_event_t ev = {.type = IMCF_EV_REMOVE};
	char uri[IMCF_URI_MAX];
	str user;

	im_rpc_args_init(&a, rpc, ctx, "session, user");
	s = session_arg(&a);
	if(!s)
		return;
	if(im_rpc_arg(&a, "user", &user, 1) < 1 || im_rpc_end(&a) < 0) {
		imcf_session_put(s);
		return;
	}
	snprintf(uri, sizeof(uri), "%.*s", user.len, user.s);
	imcf_session_lock(s);
	ev.idx = imcf_conf_find(&s->conf, uri);
	imcf_session_unlock(s);
	if(ev.idx < 0 || imcf_session_event(s, &ev, NULL) < 0)
		rpc->fault(ctx, 404, "%s is not in the session", uri);
	else
		rpc->rpl_printf(ctx, "ok");
	imcf_session_put(s);
}

static const char *rpc_remove_doc[] = {
		"Removes one user (its URI or chat alias) from a session (CF-23), "
		"then applies the release policy (CF-19).",
		0};

static void rpc_message(rpc_t *rpc, void *ctx)
{
	im_rpc_args_t a;
	imcf_session_t *s;
	str text, service = str_init(IMCF_SYSMSG_SERVICE), ctype = STR_NULL;
	int n;

	im_rpc_args_init(&a, rpc, ctx, "session, text[, service[, content-type]]");
	s = session_arg(&a);
	if(!s)
		return;
	if(im_rpc_arg(&a, "text", &text, 1) < 1
			|| im_rpc_arg(&a, "service", &service, 0) < 0
			|| im_rpc_arg(&a, "content-type", &ctype, 0) < 0
			|| im_rpc_end(&a) < 0) {
		imcf_session_put(s);
		return;
	}
	if(!imcf_sysmsg_service_ok(&service)) {
		rpc->fault(ctx, 400, "service: a token of at most %d characters",
				IMCF_SYSMSG_SERVICE_MAX);
	} else if(ctype.len > 0 && !im_mime_type_ok(ctype.s, ctype.len)) {
		/* it becomes a CPIM header line: nothing but a media type */
		rpc->fault(ctx, 400,
				"content-type: type/subtype[; attribute=value]... (RFC "
				"2045), at most %d characters",
				IM_MIME_MAX_TYPE);
	} else if((n = imcf_sysmsg_send(s, &service, &ctype, &text)) < 0) {
		rpc->fault(ctx, 404, "session released");
	} else {
		rpc->add(ctx, "d", n);
	}
	imcf_session_put(s);
}

static const char *rpc_message_doc[] = {
		"Sends a system message (MS-5) to every connected participant: a "
		"message/cpim from '<service> <session identity>' (service "
		"SysAdmin unless given, e.g. Announcement) to each, the text "
		"inside it of the content type given (text/plain;charset=UTF-8 "
		"unless given, e.g. message/external-body); returns how many it "
		"was sent to.",
		0};

static void rpc_stats(rpc_t *rpc, void *ctx)
{
	imcf_stats_t st;
	void *th;

	if(im_rpc_none(rpc, ctx) < 0)
		return;
	imcf_stats_get(&st);
	if(rpc->add(ctx, "{", &th) < 0)
		return;
	rpc->struct_add(th, "ddddddd", "sessions", (int)imcf_table_count(),
			"created", (int)st.created, "released", (int)st.released,
			"refused", (int)st.refused, "invitations", (int)st.invitations,
			"subscriptions", (int)imcf_subs_count(), "notifies",
			(int)imcf_subs_notifies());
	imcf_pager_stats_add(rpc, th);
	imcf_report_stats_add(rpc, th);
}

static const char *rpc_stats_doc[] = {
		"Sessions and conference subscriptions now, and since start: "
		"created, released, requests refused by the checks, invitations "
		"and NOTIFYs of subscriptions sent; group pager counters; final "
		"delivery reports waiting, and sent on their timeout.",
		0};

rpc_export_t imcf_rpc_cmds[] = {
		{"im_cf.list", rpc_list, rpc_list_doc, RET_ARRAY},
		{"im_cf.show", rpc_show, rpc_show_doc, 0},
		{"im_cf.terminate", rpc_terminate, rpc_terminate_doc, 0},
		{"im_cf.remove", rpc_remove, rpc_remove_doc, 0},
		{"im_cf.message", rpc_message, rpc_message_doc, 0},
		{"im_cf.stats", rpc_stats, rpc_stats_doc, 0}, {0, 0, 0, 0}};
