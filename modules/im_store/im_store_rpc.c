/*
 * RPC: im_store.list <user>, im_store.count <user>,
 * im_store.delete <user> [message-id], im_store.stats.
 */
#include <string.h>

#include "core/dprint.h"
#include "core/rpc.h"

#include "im_rpc_args.h"

#include "im_store.h"
#include "im_store_db.h"
#include "im_store_defer.h"
#include "im_store_imdn.h"
#include "im_store_large.h"
#include "im_store_push.h"
#include "im_store_rpc.h"
#include "im_store_stats.h"
#include "im_store_sip.h"

typedef struct walk {
	rpc_t *rpc;
	void *ctx;
	int count;
	long long bytes;
} walk_t;

/* The user argument as its AOR (what the store is keyed on): 0, or -1
 * with the fault sent. */
static int user_arg(im_rpc_args_t *a, char *aor, int len)
{
	str user;

	if(im_rpc_arg(a, "user", &user, 1) < 1)
		return -1;
	if(imst_aor(&user, aor, len) < 0) {
		a->rpc->fault(a->ctx, 400, "%.*s is no SIP URI of a user", user.len,
				user.s);
		return -1;
	}
	return 0;
}

/* Reads the one user argument and calls fn on each of its messages:
 * 0, or -1 with the fault sent. */
static int walk_user(rpc_t *rpc, void *ctx, imst_row_f fn, walk_t *w)
{
	im_rpc_args_t a;
	char aor[IMST_URI_MAX];
	str user;
	imst_sel_t sel = {&user, NULL, 0, 0};

	im_rpc_args_init(&a, rpc, ctx, "user");
	if(user_arg(&a, aor, sizeof(aor)) < 0 || im_rpc_end(&a) < 0)
		return -1;
	user = (str){aor, strlen(aor)};
	if(imst_db_select(&sel, fn, w) < 0) {
		rpc->fault(ctx, 500, "database error");
		return -1;
	}
	return 0;
}

static int list_one(const imst_row_t *r, void *arg)
{
	walk_t *w = arg;
	void *th;

	if(w->rpc->add(w->ctx, "{", &th) < 0)
		return 1;
	w->rpc->struct_add(th, "SSSSddd", "message_id", &r->message_id, "kind",
			&r->kind, "sender", &r->sender, "call_id", &r->call_id,
			"received", (int)r->received, "expires", (int)r->expires, "size",
			r->size);
	return 0;
}

static void rpc_list(rpc_t *rpc, void *ctx)
{
	walk_t w = {rpc, ctx, 0, 0};

	walk_user(rpc, ctx, list_one, &w);
}

static const char *rpc_list_doc[] = {
		"The messages stored for a user, oldest first: message_id, kind "
		"(message or large-message), sender, call_id, received and expires (Unix time), size (bytes).",
		0};

static int tally(const imst_row_t *r, void *arg)
{
	walk_t *w = arg;

	w->count++;
	w->bytes += r->size;
	return 0;
}

static void rpc_count(rpc_t *rpc, void *ctx)
{
	walk_t w = {rpc, ctx, 0, 0};

	if(walk_user(rpc, ctx, tally, &w) == 0)
		rpc->add(ctx, "d", w.count);
}

static const char *rpc_count_doc[] = {
		"How many messages are stored for a user.", 0};

static void rpc_delete(rpc_t *rpc, void *ctx)
{
	im_rpc_args_t a;
	char aor[IMST_URI_MAX];
	str user, mid = STR_NULL;
	int n;

	im_rpc_args_init(&a, rpc, ctx, "user [message-id]");
	if(user_arg(&a, aor, sizeof(aor)) < 0
			|| im_rpc_arg(&a, "message-id", &mid, 0) < 0
			|| im_rpc_end(&a) < 0)
		return;
	user = (str){aor, strlen(aor)};
	n = imst_delete_notify(&(imst_sel_t){
			.recipient = &user, .message_id = mid.len ? &mid : NULL});
	if(n < 0) {
		rpc->fault(ctx, 500, "database error");
		return;
	}
	if(mid.len && n == 0) {
		rpc->fault(ctx, 404, "no message %.*s for %s", mid.len, mid.s, aor);
		return;
	}
	rpc->add(ctx, "d", n);
}

static const char *rpc_delete_doc[] = {
		"Deletes one stored message of a user (by its Message-ID), or all "
		"of them: how many were deleted.",
		0};

static void rpc_stats(rpc_t *rpc, void *ctx)
{
	walk_t w = {rpc, ctx, 0, 0};
	imst_sel_t sel = {NULL, NULL, 0, 0};
	void *th;

	if(im_rpc_none(rpc, ctx) < 0)
		return;
	if(imst_db_select(&sel, tally, &w) < 0) {
		rpc->fault(ctx, 500, "database error");
		return;
	}
	if(rpc->add(ctx, "{", &th) < 0)
		return;
	rpc->struct_add(th, "dddd", "messages", w.count, "bytes", (int)w.bytes,
			"pushes_active", imst_push_active(), "large_receiving",
			imst_large_active());
	for(int i = 0; i < IMST_STAT_COUNT; i++)
		rpc->struct_add(th, "d", imst_stat_names[i],
				(int)imst_stats_get((imst_stat_t)i));
}

static const char *rpc_stats_doc[] = {
		"Messages and bytes stored now, pushes under way, Large Messages "
		"being received; since start: "
		"stored, refused (413, store full), delivered, expired, pushes.",
		0};

rpc_export_t imst_rpc_cmds[] = {
		{"im_store.list", rpc_list, rpc_list_doc, RET_ARRAY},
		{"im_store.count", rpc_count, rpc_count_doc, 0},
		{"im_store.delete", rpc_delete, rpc_delete_doc, 0},
		{"im_store.stats", rpc_stats, rpc_stats_doc, 0}, {0, 0, 0, 0}};
