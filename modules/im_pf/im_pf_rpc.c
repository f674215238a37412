/*
 * Operator commands of the participating function: its policy, the
 * users' access rules and the interconnected peers, edited in the
 * database (kamcmd im_pf.policy_set '*' service deny, ...), and the
 * service settings users published, read only (im_pf.settings_show).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/dprint.h"
#include "core/rpc.h"
#include "im_rpc_args.h"

#include "im_pf.h"
#include "im_pf_cache.h"
#include "im_pf_db.h"
#include "im_pf_route.h"
#include "im_pf_rpc.h"
#include "im_pf_settings.h"
#include "im_pf_sysdoc.h"
#include "im_pf_sysmsg.h"
#include "im_pf_ts1.h"

static const char *policy_names[] = {"service", "client_version",
		"client_upgrade_url", "pager_content_types", "session_accept_types",
		"max_size", "isb", "ipab", NULL};

static const char *media_names[] = {"*", "pager-mode-message",
		"message-session", "file-transfer", "large-message", NULL};

static int one_of(const str *v, const char **list)
{
	for(int i = 0; list[i]; i++) {
		if(strlen(list[i]) == (size_t)v->len
				&& strncasecmp(list[i], v->s, v->len) == 0)
			return 1;
	}
	return 0;
}

static int valid_value(const str *name, const str *value, const char **why)
{
	if(name->len == 7 && strncmp(name->s, "service", 7) == 0) {
		*why = "service is allow or deny";
		return (value->len == 5 && strncasecmp(value->s, "allow", 5) == 0)
			   || (value->len == 4 && strncasecmp(value->s, "deny", 4) == 0);
	}
	if((name->len == 3 && strncmp(name->s, "isb", 3) == 0)
			|| (name->len == 4 && strncmp(name->s, "ipab", 4) == 0)) {
		*why = "barring is true or false";
		return (value->len == 4 && strncasecmp(value->s, "true", 4) == 0)
			   || (value->len == 5 && strncasecmp(value->s, "false", 5) == 0);
	}
	if(name->len == 8 && strncmp(name->s, "max_size", 8) == 0) {
		*why = "max_size is a number of bytes";
		for(int i = 0; i < value->len; i++)
			if(value->s[i] < '0' || value->s[i] > '9')
				return 0;
		return value->len > 0 && value->len < 19;
	}
	*why = "value too long";
	return value->len < 250;
}

static const char *impf_rpc_policy_set_doc[] = {
		"Set a policy: scope ('*' for the operator default, or a user's URI), "
		"name (service, client_version, client_upgrade_url, "
		"pager_content_types, session_accept_types, max_size, isb, ipab), "
		"value.",
		0};

static void impf_rpc_policy_set(rpc_t *rpc, void *ctx)
{
	static const char *keys[] = {"scope", "name"};
	static const char *cols[] = {"scope", "name", "value"};
	str v[3];
	const char *why;
	im_rpc_args_t a;

	/* a number typed on kamcmd (max_size 100000) arrives as an integer */
	im_rpc_args_init(&a, rpc, ctx, "scope, name, value");
	if(im_rpc_arg(&a, "scope", &v[0], 1) < 1
			|| im_rpc_arg(&a, "name", &v[1], 1) < 1
			|| im_rpc_arg(&a, "value", &v[2], 1) < 1 || im_rpc_end(&a) < 0)
		return;
	if(!v[0].len || v[0].len > 250) {
		rpc->fault(ctx, 400, "scope is '*' or a user's URI");
		return;
	}
	if(!one_of(&v[1], policy_names)) {
		rpc->fault(ctx, 400, "unknown policy %.*s", v[1].len, v[1].s);
		return;
	}
	if(!valid_value(&v[1], &v[2], &why)) {
		rpc->fault(ctx, 400, "%s", why);
		return;
	}
	if(impf_db_put("im_policy", keys, v, 2, cols, v, 3) < 0 || impf_cache_reload() < 0) {
		rpc->fault(ctx, 500, "database error");
		return;
	}
	rpc->rpl_printf(ctx, "ok");
}

static const char *impf_rpc_policy_del_doc[] = {
		"Remove a policy: scope, name.", 0};

static void impf_rpc_policy_del(rpc_t *rpc, void *ctx)
{
	static const char *keys[] = {"scope", "name"};
	str v[2];
	im_rpc_args_t a;

	im_rpc_args_init(&a, rpc, ctx, "scope, name");
	if(im_rpc_arg(&a, "scope", &v[0], 1) < 1
			|| im_rpc_arg(&a, "name", &v[1], 1) < 1 || im_rpc_end(&a) < 0)
		return;
	if(impf_db_del("im_policy", keys, v, 2) < 0 || impf_cache_reload() < 0) {
		rpc->fault(ctx, 500, "database error");
		return;
	}
	rpc->rpl_printf(ctx, "ok");
}

typedef struct list_ctx {
	rpc_t *rpc;
	void *ctx;
	const char **cols;
} list_ctx_t;

static int list_row(char **v, int n, void *arg)
{
	list_ctx_t *l = arg;
	void *th;

	if(l->rpc->add(l->ctx, "{", &th) < 0)
		return 1;
	for(int i = 0; i < n; i++)
		l->rpc->struct_add(th, "s", l->cols[i], v[i]);
	return 0;
}

static void list_table(rpc_t *rpc, void *ctx, const char *table,
		const char **cols, int ncols, const char *key)
{
	str k = STR_NULL;
	list_ctx_t l = {rpc, ctx, cols};
	const char *keys[] = {key};
	char usage[64];
	im_rpc_args_t a;

	snprintf(usage, sizeof(usage), "[%s]", key);
	im_rpc_args_init(&a, rpc, ctx, usage);
	if(im_rpc_arg(&a, key, &k, 0) < 0 || im_rpc_end(&a) < 0)
		return;
	if(impf_db_select(table, keys, &k, k.len ? 1 : 0, cols, ncols, list_row, &l)
			< 0)
		rpc->fault(ctx, 500, "database error");
}

static const char *impf_rpc_policy_list_doc[] = {
		"List the policies (of one scope).", 0};

static void impf_rpc_policy_list(rpc_t *rpc, void *ctx)
{
	static const char *cols[] = {"scope", "name", "value"};

	list_table(rpc, ctx, "im_policy", cols, 3, "scope");
}

static const char *impf_rpc_access_set_doc[] = {
		"Set an access rule of a user (TP-1 step 2): owner URI, sender ('*', "
		"'*@domain' or a URI), media ('*', pager-mode-message, "
		"message-session, file-transfer, large-message), action (allow or "
		"reject).",
		0};

static void impf_rpc_access_set(rpc_t *rpc, void *ctx)
{
	static const char *keys[] = {"owner", "sender", "media"};
	static const char *cols[] = {"owner", "sender", "media", "action"};
	str v[4];
	im_rpc_args_t a;

	im_rpc_args_init(&a, rpc, ctx, "owner, sender, media, action");
	if(im_rpc_arg(&a, "owner", &v[0], 1) < 1
			|| im_rpc_arg(&a, "sender", &v[1], 1) < 1
			|| im_rpc_arg(&a, "media", &v[2], 1) < 1
			|| im_rpc_arg(&a, "action", &v[3], 1) < 1 || im_rpc_end(&a) < 0)
		return;
	if(!v[0].len || v[0].len > 250 || !v[1].len || v[1].len > 250) {
		rpc->fault(ctx, 400, "owner and sender must be given");
		return;
	}
	if(!one_of(&v[2], media_names)) {
		rpc->fault(ctx, 400, "unknown media %.*s", v[2].len, v[2].s);
		return;
	}
	if(!((v[3].len == 5 && strncasecmp(v[3].s, "allow", 5) == 0)
			   || (v[3].len == 6 && strncasecmp(v[3].s, "reject", 6) == 0))) {
		rpc->fault(ctx, 400, "action is allow or reject");
		return;
	}
	if(impf_db_put("im_access_rule", keys, v, 3, cols, v, 4) < 0 || impf_cache_reload() < 0) {
		rpc->fault(ctx, 500, "database error");
		return;
	}
	rpc->rpl_printf(ctx, "ok");
}

static const char *impf_rpc_access_del_doc[] = {
		"Remove an access rule: owner, sender, media.", 0};

static void impf_rpc_access_del(rpc_t *rpc, void *ctx)
{
	static const char *keys[] = {"owner", "sender", "media"};
	str v[3];
	im_rpc_args_t a;

	im_rpc_args_init(&a, rpc, ctx, "owner, sender, media");
	if(im_rpc_arg(&a, "owner", &v[0], 1) < 1
			|| im_rpc_arg(&a, "sender", &v[1], 1) < 1
			|| im_rpc_arg(&a, "media", &v[2], 1) < 1 || im_rpc_end(&a) < 0)
		return;
	if(impf_db_del("im_access_rule", keys, v, 3) < 0 || impf_cache_reload() < 0) {
		rpc->fault(ctx, 500, "database error");
		return;
	}
	rpc->rpl_printf(ctx, "ok");
}

static const char *impf_rpc_access_list_doc[] = {
		"List the access rules (of one owner).", 0};

static void impf_rpc_access_list(rpc_t *rpc, void *ctx)
{
	static const char *cols[] = {"owner", "sender", "media", "action"};

	list_table(rpc, ctx, "im_access_rule", cols, 4, "owner");
}

static void reload_peers(rpc_t *rpc, void *ctx)
{
	char err[256];

	if(impf_peers_reload(err, sizeof(err)) < 0) {
		rpc->fault(ctx, 500, "peers not reloaded: %s", err);
		return;
	}
	rpc->rpl_printf(ctx, "ok");
}

/* short: ctl (kamcmd) drops a fault text of 256 bytes or more */
#define PEER_SET_USAGE \
	"domain, address [, features: *, none or names] [, tls|address]"

static const char *impf_rpc_peer_set_doc[] = {
		"Set an interconnected IM domain: domain, address (sip:IP:PORT, where "
		"its requests go), [features: '*' (every one, the default), 'none' "
		"(sessions only, the strict TR-1029 profile), or names among pager, "
		"large_message, deferred, history, predefined, in one argument "
		"separated by commas or as several arguments (D-3)], [trust: tls "
		"(default: its requests must come over TLS with a verified "
		"certificate naming the domain) or address (opt-in, weaker: any "
		"request from the address's IP, and port over UDP)].",
		0};

static void impf_rpc_peer_set(rpc_t *rpc, void *ctx)
{
	static const char *keys[] = {"domain"};
	static const char *cols[] = {"domain", "address", "features", "trust"};
	str v[4] = {STR_NULL, STR_NULL, STR_NULL, str_init("tls")};
	str w;
	unsigned int features = 0;
	int have_features = 0, have_trust = 0, r;
	impf_trust_t trust = IMPF_TRUST_TLS;
	char err[256], feat[128];
	im_rpc_args_t a;

	im_rpc_args_init(&a, rpc, ctx, PEER_SET_USAGE);
	if(im_rpc_arg(&a, "domain", &v[0], 1) < 1
			|| im_rpc_arg(&a, "address", &v[1], 1) < 1)
		return;
	/* the words after the address: features (kamcmd ... pager
	 * large_message is as good as pager,large_message) and at most one
	 * trust, which no feature is named like; nothing is ignored */
	while((r = im_rpc_arg(&a, "features or trust", &w, 0)) == 1) {
		if(impf_trust_parse(&w, &trust) == 0) {
			if(have_trust++) {
				rpc->fault(ctx, 400, "trust given twice (%.*s)", w.len, w.s);
				return;
			}
			v[3] = w;
			continue;
		}
		if(!w.len || impf_features_add(w.s, w.len, &features, err, sizeof(err))
				< 0) {
			rpc->fault(ctx, 400, "%s", w.len ? err : "empty features");
			return;
		}
		have_features = 1;
	}
	if(r < 0)
		return;
	if(!have_features)
		features = IMPF_FEAT_ALL;
	/* stored as read back, so that the table says what is in force */
	impf_features_print(features, feat, sizeof(feat));
	v[2].s = feat;
	v[2].len = strlen(feat);
	if(!v[0].len || v[0].len > 120 || v[1].len < 5 || v[1].len > 150
			|| strncasecmp(v[1].s, "sip", 3) != 0) {
		rpc->fault(ctx, 400, "domain and a sip: address are needed");
		return;
	}
	v[3].s = (char *)impf_trust_name(trust);
	v[3].len = strlen(v[3].s);
	if(impf_peer_check(&v[0], &v[1], err, sizeof(err)) < 0) {
		rpc->fault(ctx, 400, "%s", err);
		return;
	}
	if(impf_db_put("im_peer", keys, v, 1, cols, v, 4) < 0) {
		rpc->fault(ctx, 500, "database error");
		return;
	}
	reload_peers(rpc, ctx);
}

static const char *impf_rpc_peer_del_doc[] = {"Remove a peer domain.", 0};

static void impf_rpc_peer_del(rpc_t *rpc, void *ctx)
{
	static const char *keys[] = {"domain"};
	str v;
	im_rpc_args_t a;

	im_rpc_args_init(&a, rpc, ctx, "domain");
	if(im_rpc_arg(&a, "domain", &v, 1) < 1 || im_rpc_end(&a) < 0)
		return;
	if(impf_db_del("im_peer", keys, &v, 1) < 0) {
		rpc->fault(ctx, 500, "database error");
		return;
	}
	reload_peers(rpc, ctx);
}

static const char *impf_rpc_peer_list_doc[] = {
		"The peer domains in use (as loaded).", 0};

static void impf_rpc_peer_list(rpc_t *rpc, void *ctx)
{
	impf_peer_t p;
	char feat[128];
	void *th;

	if(im_rpc_none(rpc, ctx) < 0)
		return;
	for(int i = 0; impf_peer_get(i, &p) == 0; i++) {
		if(rpc->add(ctx, "{", &th) < 0)
			return;
		impf_features_print(p.features, feat, sizeof(feat));
		rpc->struct_add(th, "ssss", "domain", p.domain, "address", p.address,
				"features", feat, "trust", impf_trust_name(p.trust));
	}
}

static const char *impf_rpc_peer_reload_doc[] = {
		"Reload the peer domains from the database.", 0};

static void impf_rpc_peer_reload(rpc_t *rpc, void *ctx)
{
	if(im_rpc_none(rpc, ctx) < 0)
		return;
	reload_peers(rpc, ctx);
}

static const char *impf_rpc_reload_doc[] = {
		"Read the policy, access rules and peers from the database again "
		"(after editing the tables directly).",
		0};

static void impf_rpc_reload(rpc_t *rpc, void *ctx)
{
	char err[256];

	if(im_rpc_none(rpc, ctx) < 0)
		return;
	if(impf_cache_reload() < 0) {
		rpc->fault(ctx, 500, "policy not reloaded: database error");
		return;
	}
	if(impf_peers_reload(err, sizeof(err)) < 0) {
		rpc->fault(ctx, 500, "peers not reloaded: %s", err);
		return;
	}
	rpc->rpl_printf(ctx, "ok");
}

/* One publication, or (published 0) the defaults that apply without. */
static int settings_add(rpc_t *rpc, void *ctx, const impf_settings_info_t *i,
		int published)
{
	const im_settings_t *s = &i->s;
	long long left = published ? i->expires - (long long)time(NULL) : 0;
	void *th;

	if(rpc->add(ctx, "{", &th) < 0)
		return -1;
	rpc->struct_add(th, "sdsd", "aor", i->aor, "published", published,
			"etag", i->etag, "expires", (int)(left > 0 ? left : 0));
	rpc->struct_add(th, "dddddd", "isb", s->isb, "ipab", s->ipab,
			"offline_delivery", s->offline_delivery, "vis_status",
			s->vis_status, "hist_session", s->hist_session, "hist_pager",
			s->hist_pager);
	return 0;
}

static const char *impf_rpc_settings_show_doc[] = {
		"The service settings that apply to a user (URI): what he published "
		"(published 1, its etag and seconds left) or the defaults.",
		0};

/* The one argument of the settings commands: a user's URI, which may
 * live in a's buffer. 0, or -1 (the fault is sent). */
static int user_arg(rpc_t *rpc, void *ctx, im_rpc_args_t *a, str *uri)
{
	im_rpc_args_init(a, rpc, ctx, "user");
	return im_rpc_arg(a, "user", uri, 1) < 1 || im_rpc_end(a) < 0 ? -1 : 0;
}

static void impf_rpc_settings_show(rpc_t *rpc, void *ctx)
{
	impf_settings_info_t i;
	im_rpc_args_t a;
	str uri;

	if(user_arg(rpc, ctx, &a, &uri) < 0)
		return;
	if(impf_settings_find(&uri, &i)) {
		settings_add(rpc, ctx, &i, 1);
		return;
	}
	memset(&i, 0, sizeof(i));
	if(impf_settings_key(&uri, i.aor, sizeof(i.aor)) < 0) {
		rpc->fault(ctx, 400, "not a user's SIP URI");
		return;
	}
	im_settings_defaults(&i.s);
	settings_add(rpc, ctx, &i, 0);
}

static const char *impf_rpc_settings_del_doc[] = {
		"Remove what a user (URI) published: his settings are the defaults "
		"again and his entity tag is unknown.",
		0};

static void impf_rpc_settings_del(rpc_t *rpc, void *ctx)
{
	im_rpc_args_t a;
	str uri;
	int r;

	if(user_arg(rpc, ctx, &a, &uri) < 0)
		return;
	r = impf_settings_remove(&uri);
	if(r < 0)
		rpc->fault(ctx, 500, "database error");
	else if(r == 0)
		rpc->fault(ctx, 404, "no settings published");
	else
		rpc->rpl_printf(ctx, "ok");
}

typedef struct settings_list_ctx {
	rpc_t *rpc;
	void *ctx;
} settings_list_ctx_t;

static int settings_list_one(const impf_settings_info_t *i, void *arg)
{
	settings_list_ctx_t *l = arg;

	return settings_add(l->rpc, l->ctx, i, 1) < 0;
}

static const char *impf_rpc_system_response_doc[] = {
		"A user's response to a system message that asked for one (OMA TS "
		"5.4, Ts1): user URI. 1 when one was pending, 0 when none.",
		0};

static void impf_rpc_system_response(rpc_t *rpc, void *ctx)
{
	im_rpc_args_t a;
	str uri;
	int r;

	if(user_arg(rpc, ctx, &a, &uri) < 0)
		return;
	r = impf_ts1_clear(&uri);
	if(r >= 0 && impf_sysdoc_answer_all(&uri) < 0)
		LM_WARN("%.*s: documents not marked answered (database)\n", uri.len,
				uri.s);
	if(r < 0)
		rpc->fault(ctx, 400, "not a SIP URI");
	else
		rpc->add(ctx, "d", r);
}

static const char *impf_rpc_system_pending_doc[] = {
		"Users who owe a response to a system message: user, seconds since "
		"it was delivered, whether Ts1 has run out (their requests refused).",
		0};

typedef struct rpc_out {
	rpc_t *rpc;
	void *ctx;
} rpc_out_t;

static void pending_add(const char *user, int seconds, int blocked, void *arg)
{
	rpc_out_t *o = arg;
	void *st;

	if(o->rpc->add(o->ctx, "{", &st) < 0)
		return;
	o->rpc->struct_add(st, "sdd", "user", user, "seconds", seconds, "blocked",
			blocked);
}

static void impf_rpc_system_pending(rpc_t *rpc, void *ctx)
{
	rpc_out_t o = {rpc, ctx};

	if(im_rpc_none(rpc, ctx) < 0)
		return;
	impf_ts1_foreach(pending_add, &o);
}

static const char *impf_rpc_settings_list_doc[] = {
		"Every live service settings publication.", 0};

static void impf_rpc_settings_list(rpc_t *rpc, void *ctx)
{
	settings_list_ctx_t l = {rpc, ctx};

	if(im_rpc_none(rpc, ctx) < 0)
		return;
	impf_settings_foreach(settings_list_one, &l);
}

rpc_export_t impf_rpc_cmds[] = {
		{"im_pf.reload", impf_rpc_reload, impf_rpc_reload_doc, 0},
		{"im_pf.policy_set", impf_rpc_policy_set, impf_rpc_policy_set_doc, 0},
		{"im_pf.policy_del", impf_rpc_policy_del, impf_rpc_policy_del_doc, 0},
		{"im_pf.policy_list", impf_rpc_policy_list, impf_rpc_policy_list_doc,
				RET_ARRAY},
		{"im_pf.access_set", impf_rpc_access_set, impf_rpc_access_set_doc, 0},
		{"im_pf.access_del", impf_rpc_access_del, impf_rpc_access_del_doc, 0},
		{"im_pf.access_list", impf_rpc_access_list, impf_rpc_access_list_doc,
				RET_ARRAY},
		{"im_pf.peer_set", impf_rpc_peer_set, impf_rpc_peer_set_doc, 0},
		{"im_pf.peer_del", impf_rpc_peer_del, impf_rpc_peer_del_doc, 0},
		{"im_pf.peer_list", impf_rpc_peer_list, impf_rpc_peer_list_doc,
				RET_ARRAY},
		{"im_pf.peer_reload", impf_rpc_peer_reload, impf_rpc_peer_reload_doc,
				0},
		{"im_pf.settings_show", impf_rpc_settings_show,
				impf_rpc_settings_show_doc, 0},
		{"im_pf.settings_del", impf_rpc_settings_del,
				impf_rpc_settings_del_doc, 0},
		{"im_pf.system_message", impf_rpc_system_message,
				impf_rpc_system_message_doc, 0},
		{"im_pf.system_response", impf_rpc_system_response,
				impf_rpc_system_response_doc, 0},
		{"im_pf.system_pending", impf_rpc_system_pending,
				impf_rpc_system_pending_doc, RET_ARRAY},
		{"im_pf.system_docs", impf_rpc_system_docs, impf_rpc_system_docs_doc,
				RET_ARRAY},
		{"im_pf.settings_list", impf_rpc_settings_list,
				impf_rpc_settings_list_doc, RET_ARRAY},
		{0, 0, 0, 0}};
