/*
 * Bridges (im_relay_load.h): the participating function's relay session
 * with two legs, "a" facing party 0 and "b" facing party 1, set up from
 * the offer/answer exchange between the parties (OP-3, TP-3, OP-4, TP-4).
 * The per-leg work is in im_relay_leg.c; here is only what makes two legs
 * a bridge: the offer of one party sets its leg and readies the other,
 * the answer completes that one, each SDP goes on rewritten.
 */
#include <stdio.h>
#include <string.h>

#include "core/dprint.h"

#include "im_relay_leg.h"
#include "im_relay_load.h"
#include "im_relay_media.h"
#include "im_relay_place.h"

static const char *leg_name(int side)
{
	return side == 0 ? "a" : "b";
}

static int bridge_open(imr_bridge_t *b, const char *session_id, imr_err_t *e)
{
	memset(b, 0, sizeof(*b));
	b->relay = -1;
	if(strlen(session_id) >= sizeof(b->session)) {
		imr_fail(e, 500, "session id too long", NULL);
		return -1;
	}
	snprintf(b->session, sizeof(b->session), "%s", session_id);
	for(int s = 0; s < 2; s++)
		imr_side_init(&b->side[s]);
	return 0;
}

/* The bridge with both its legs in one exchange (relay `legs`); legs
 * (borrowed) are the leg.add parameters of sides 0 and 1. */
static int create_bridge(imr_bridge_t *b, json_t *legs, imr_err_t *e)
{
	json_t *params, *result, *made;
	int ret;

	params = json_pack("{s:s, s:s, s:O}", "id", b->session, "type", "bridge",
			"legs", legs);
	ret = imr_place_session(params, &b->relay, &result, e);
	json_decref(params);
	if(ret < 0)
		return -1;
	made = json_object_get(result, "legs");
	if(json_array_size(made) != 2
			|| imr_leg_take(&b->side[0], json_array_get(made, 0), e) < 0
			|| imr_leg_take(&b->side[1], json_array_get(made, 1), e) < 0) {
		json_decref(result);
		imr_fail(e, 500, "relay answered session.create without its legs",
				NULL);
		return -1;
	}
	json_decref(result);
	return 0;
}

static void bridge_close(imr_bridge_t *b)
{
	imr_destroy_session(&b->relay, b->session);
}

static int offer(imr_bridge_t *b, int from, const str *sdp,
		const imr_party_t *from_party, const imr_party_t *to_party, str *out,
		imr_err_t *e)
{
	int to = 1 - from, first = !b->side[to].created;
	imr_side_t *sf = &b->side[from], *st = &b->side[to];
	im_sdp_msrp_t m;
	json_t *p;
	im_sdp_setup_t setup_out;

	if(imr_sdp_parse(sdp, &m, e) < 0)
		return -1;
	p = imr_leg_offered(sf, &m, from_party);
	if(first) {
		/* the other leg waits for the answer to learn its peer */
		json_t *q = imr_leg_waiting(st, m.tls, m.ipv6, to_party);
		json_t *legs = json_array();
		int ret;

		json_object_set_new(q, "id", json_string(leg_name(to)));
		json_object_set_new(p, "id", json_string(leg_name(from)));
		json_array_append_new(legs, from == 0 ? p : q);
		json_array_append_new(legs, from == 0 ? q : p);
		ret = create_bridge(b, legs, e);
		json_decref(legs);
		if(ret < 0)
			return -1;
	} else if(imr_leg_set(b->relay, b->session, leg_name(from), sf, p, e)
			  < 0) {
		return -1;
	}
	st->uses_setup = sf->uses_setup;
	st->cema = m.cema;
	if(!sf->uses_setup)
		setup_out = IM_SETUP_NONE;
	else if(first)
		setup_out = IM_SETUP_ACTPASS;
	else
		setup_out = st->relay_active ? IM_SETUP_ACTIVE : IM_SETUP_PASSIVE;
	return imr_sdp_for_side(st, sdp, &m, setup_out, m.cema, out, e);
}

static int answer(imr_bridge_t *b, int from, const str *sdp,
		const imr_party_t *to_party, str *out, imr_err_t *e)
{
	int to = 1 - from;
	imr_side_t *sf = &b->side[from], *st = &b->side[to];
	im_sdp_msrp_t m;
	json_t *p;

	if(imr_sdp_parse(sdp, &m, e) < 0)
		return -1;
	p = imr_leg_answered(st, &m, to_party, e);
	if(!p || imr_leg_set(b->relay, b->session, leg_name(to), st, p, e) < 0)
		return -1;
	return imr_sdp_for_side(
			sf, sdp, &m, imr_side_setup(sf), sf->cema, out, e);
}

void imr_bridge_bind(imr_api_t *api)
{
	api->bridge_open = bridge_open;
	api->bridge_close = bridge_close;
	api->offer = offer;
	api->answer = answer;
}
