/*
 * The bind API's functions that are not a flow of their own: facts about
 * a call, walking and ending calls, the aliases our Contacts stand for
 * (OP-5), and the targets lookup() left in a request.
 */
#include <string.h>

#include "core/dprint.h"
#include "core/dset.h"
#include "core/parser/parse_uri.h"
#include "core/qvalue.h"

#include "im_ua_api.h"
#include "im_ua_flow.h"

int imua_alias_target(const str *user, char *out, int outlen)
{
	imua_call_t *c = imua_call_by_key(user);
	int leg, ret = -1;

	if(!c)
		return -1;
	/* "<key>-a" is our Contact towards leg A: it stands for leg B's peer */
	leg = (user->len > 2 && user->s[user->len - 1] == 'b') ? IMUA_LEG_A
														   : IMUA_LEG_B;
	lock_get(&c->lock);
	if(c->leg[leg].remote_target.len > 0
			&& c->leg[leg].remote_target.len < outlen) {
		memcpy(out, c->leg[leg].remote_target.s, c->leg[leg].remote_target.len);
		out[c->leg[leg].remote_target.len] = '\0';
		ret = 1;
	}
	lock_release(&c->lock);
	imua_call_unref(c);
	return ret;
}

int imua_call_info(imua_call_t *c, imua_call_info_t *info)
{
	int one = imua_dlg_leg(c);

	info->key = c->key;
	info->state = c->state;
	for(int i = 0; i < 2; i++) {
		/* a single dialog shows its one leg at both places */
		const imua_leg_t *l = &c->leg[one >= 0 ? one : i];
		info->remote_target[i] = l->remote_target;
		info->version[i] = l->version;
		info->call_id[i] = l->call_id;
	}
	return 0;
}

typedef struct foreach_ctx {
	int (*fn)(imua_call_t *c, void *app, void *arg);
	void *arg;
} foreach_ctx_t;

static int foreach_one(imua_call_t *c, void *arg)
{
	foreach_ctx_t *f = arg;

	return f->fn(c, c->app, f->arg);
}

void imua_foreach(int (*fn)(imua_call_t *c, void *app, void *arg), void *arg)
{
	foreach_ctx_t f = {fn, arg};

	imua_calls_foreach(foreach_one, &f);
}

void imua_end_call(imua_call_t *c, const char *reason)
{
	imua_end(c, -1, reason, imua_end_code(c));
}

/* OP-5: a request sent to one of our Contacts outside its dialog goes to
 * what that Contact stands for. */
int imua_map_ruri(struct sip_msg *msg)
{
	char target[1024];
	str t;

	if(parse_sip_msg_uri(msg) < 0 || !msg->parsed_uri.user.len)
		return -1;
	if(imua_alias_target(&msg->parsed_uri.user, target, sizeof(target)) < 0)
		return -1;
	t.s = target;
	t.len = strlen(target);
	if(rewrite_uri(msg, &t) < 0)
		return -1;
	return 1;
}


/* q of a contact registered without one: RFC 3261 leaves it open, the
 * contacts that give none rank as the most preferred */
static int q_rank(qvalue_t q)
{
	return q == Q_UNSPECIFIED ? MAX_Q : q;
}

/*
 * The contacts lookup() left in msg (the Request-URI, then the branches it
 * appended), in the order a serial fork tries them: by q, highest first,
 * and among equal q in lookup's order, the most recently registered or
 * refreshed first (usrloc desc_time_order). Views into msg and the
 * branch set, valid while msg is processed.
 */
int imua_request_targets(
		struct sip_msg *msg, const str *next_hop, imua_target_t *t, int max)
{
	qvalue_t q[IMUA_MAX_TARGETS];
	branch_t *b;
	int n = 0;

	if(max > IMUA_MAX_TARGETS)
		max = IMUA_MAX_TARGETS;
	if(max <= 0)
		return 0;
	t[n].ruri = *GET_RURI(msg);
	t[n].dst_uri = next_hop ? *next_hop : (str)STR_NULL;
	q[n++] = q_rank(get_ruri_q());
	for(int i = 0; n < max && (b = get_sip_branch(i)) != NULL; i++) {
		if(!b->len)
			continue;
		t[n].ruri.s = b->uri;
		t[n].ruri.len = b->len;
		t[n].dst_uri.s = b->dst_uri_len ? b->dst_uri : NULL;
		t[n].dst_uri.len = b->dst_uri_len;
		/* insertion sort, stable: the few contacts of one user */
		q[n] = q_rank(b->q);
		for(int j = n; j > 0 && q[j] > q[j - 1]; j--) {
			imua_target_t tt = t[j];
			qvalue_t tq = q[j];
			t[j] = t[j - 1];
			q[j] = q[j - 1];
			t[j - 1] = tt;
			q[j - 1] = tq;
		}
		n++;
	}
	return n;
}
