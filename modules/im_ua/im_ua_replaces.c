#include <stdio.h>
#include <string.h>

#include "core/dprint.h"
#include "core/strutils.h"

#include "im_replaces.h"

#include "im_ua_call.h"
#include "im_ua_replaces.h"

/* more B2BUA calls of one node in a dialog's path is a loop */
#define MAX_HOPS 8

typedef struct dialog_id {
	char call_id[256], local[128], remote[128];
} dialog_id_t;

static int copy(char *dst, size_t len, const char *s, size_t n)
{
	if(n >= len)
		return -1;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

/* The dialog on the other side of the call whose leg is `id` as its far
 * end knows it (Replaces' to-tag is the recipient's own tag, our leg's
 * remote one): 1 and *id replaced, 0 when no leg of ours is that dialog. */
static int is_party(const str *who, str *uri)
{
	return who && who->len && cmp_aor_str((str *)who, uri) == 0;
}

static int next_hop(dialog_id_t *id, const str *party, const str *referrer)
{
	str cid = {id->call_id, (int)strlen(id->call_id)};
	str to = {id->local, (int)strlen(id->local)};
	str from = {id->remote, (int)strlen(id->remote)};
	imua_call_t *c;
	imua_leg_t *o;
	int leg, ret = 0;

	c = imua_call_by_dialog(&cid, &from, &to, &leg);
	if(!c)
		return 0;
	lock_get(&c->lock);
	o = &c->leg[leg == IMUA_LEG_A ? IMUA_LEG_B : IMUA_LEG_A];
	/* a single UAS or UAC dialog of ours (the focus) has no other side */
	if(c->mode != IMUA_MODE_B2B)
		ret = 0;
	else if(party && party->len && !is_party(party, &c->leg[leg].remote_uri)
			&& !is_party(referrer, &c->leg[leg].remote_uri))
		ret = -2;
	else if(o->call_id.len && o->local_tag.len && o->remote_tag.len
			&& copy(id->call_id, sizeof(id->call_id), o->call_id.s,
					   o->call_id.len)
					   == 0
			&& copy(id->local, sizeof(id->local), o->remote_tag.s,
					   o->remote_tag.len)
					   == 0
			&& copy(id->remote, sizeof(id->remote), o->local_tag.s,
					   o->local_tag.len)
					   == 0)
		ret = 1;
	else
		ret = -1;
	lock_release(&c->lock);
	imua_call_unref(c);
	return ret;
}

int imua_replaces_map(
		const str *in, const str *party, char *out, int outlen)
{
	return imua_replaces_map_for(in, party, NULL, out, outlen);
}

int imua_replaces_map_for(const str *in, const str *party,
		const str *referrer, char *out, int outlen)
{
	im_replaces_t r;
	dialog_id_t id;
	int hops = 0, ret;

	if(outlen < 1 || im_replaces_parse(in->s, (size_t)in->len, &r) < 0)
		return -1;
	if(copy(id.call_id, sizeof(id.call_id), r.call_id.p, r.call_id.len) < 0
			|| copy(id.local, sizeof(id.local), r.to_tag.p, r.to_tag.len) < 0
			|| copy(id.remote, sizeof(id.remote), r.from_tag.p,
					   r.from_tag.len)
					   < 0)
		return copy(out, (size_t)outlen, in->s, (size_t)in->len) < 0 ? -1 : 0;
	/* only the first dialog must be the asker's own */
	while(hops < MAX_HOPS
			&& (ret = next_hop(&id, hops ? NULL : party, referrer)) == 1)
		hops++;
	if(ret == -2) {
		LM_NOTICE("Replaces %.*s names a dialog %.*s is no party to: left "
				  "as it came\n",
				in->len, in->s, party->len, party->s);
		hops = 0;
	} else if(ret < 0 || hops == MAX_HOPS) {
		LM_WARN("Replaces %.*s: %s after %d call(s); left as it came\n",
				in->len, in->s,
				ret < 0 ? "a dialog with no other side yet" : "a loop", hops);
		hops = 0;
	}
	if(!hops)
		return copy(out, (size_t)outlen, in->s, (size_t)in->len) < 0 ? -1 : 0;
	ret = im_replaces_rewrite(in->s, (size_t)in->len,
			(im_span_t){id.call_id, strlen(id.call_id)},
			(im_span_t){id.local, strlen(id.local)},
			(im_span_t){id.remote, strlen(id.remote)}, out, (size_t)outlen);
	if(ret < 0)
		return -1;
	LM_INFO("Replaces %.*s is %s past %d call(s) of ours\n", in->len, in->s,
			out, hops);
	return 1;
}
