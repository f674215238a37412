/*
 * Conference and endpoint sessions (im_relay_load.h): the controlling
 * function's switch (MS-1..MS-4, D-18) and the relay as the far end of a
 * deferred-message push. Unlike a bridge, each leg is negotiated on its
 * own with its party: the relay's leg answers the party's offer, or
 * offers to it and completes with the answer; the SDP is ours, built for
 * the leg (im_relay_sdp.c), not another party's rewritten.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "core/basex.h"
#include "core/dprint.h"
#include "core/mem/mem.h"

#include "im_relay_conn.h"
#include "im_relay_leg.h"
#include "im_relay_media.h"
#include "im_relay_place.h"
#include "im_relay_sdp.h"
#include "im_relay_set.h"

/* what one message.get asks for: its reply (base64 in a JSON line) stays
 * under im_relay's max_reply_size of 1 MiB */
#define IMR_GET_PIECE (256 * 1024)

static int copy_id(char *dst, size_t cap, const char *id, imr_err_t *e)
{
	if(!id || !id[0] || strlen(id) >= cap) {
		imr_fail(e, 500, "bad or too long id %s", id);
		return -1;
	}
	snprintf(dst, cap, "%s", id);
	return 0;
}

static int session_open(imr_session_t *s, int type, const char *id,
		const imr_session_opts_t *o, imr_err_t *e)
{
	json_t *params, *result;
	int ret;

	memset(s, 0, sizeof(*s));
	s->relay = -1;
	if(type != IMR_CONFERENCE && type != IMR_ENDPOINT) {
		imr_fail(e, 500, "unknown session type", NULL);
		return -1;
	}
	if(copy_id(s->id, sizeof(s->id), id, e) < 0)
		return -1;
	s->type = type;
	params = json_pack("{s:s, s:s}", "id", s->id, "type",
			type == IMR_CONFERENCE ? "conference" : "endpoint");
	if(o) {
		s->allow_non_cpim = o->allow_non_cpim;
		if(o->identity.len)
			json_object_set_new(params, "identity",
					json_stringn(o->identity.s, o->identity.len));
		json_object_set_new(params, "private_messages",
				json_boolean(o->private_messages));
		json_object_set_new(
				params, "allow_non_cpim", json_boolean(o->allow_non_cpim));
		json_object_set_new(
				params, "idle_timeout_s", json_integer(o->idle_timeout_s));
	}
	ret = imr_place_session(params, &s->relay, &result, e);
	json_decref(params);
	if(ret < 0)
		return -1;
	json_decref(result);
	return 0;
}

static void session_close(imr_session_t *s)
{
	imr_destroy_session(&s->relay, s->id);
}

/* What our SDP says the leg takes: a conference carries message/cpim
 * (D-18) unless it lets bare payloads through; the endpoint stores and
 * sends whatever comes. */
static const char *accept_types(const imr_session_t *s)
{
	if(s->type == IMR_ENDPOINT)
		return "*";
	return s->allow_non_cpim ? "message/cpim text/plain" : "message/cpim";
}

/* The party's offer sets its leg (added, or updated on a re-offer);
 * *answer is ours. */
static int accept_offer(imr_session_t *s, imr_leg_t *l, const str *offer,
		const imr_party_t *party, str *answer, imr_err_t *e)
{
	im_sdp_msrp_t m;
	imr_sdp_build_t b;

	if(imr_sdp_parse(offer, &m, e) < 0)
		return -1;
	if(imr_leg_set(s->relay, s->id, l->id, &l->side,
			   imr_leg_offered(&l->side, &m, party), e)
			< 0)
		return -1;
	memset(&b, 0, sizeof(b));
	b.sd = &l->side;
	b.setup = imr_side_setup(&l->side);
	b.cema = l->side.cema;
	b.accept_types = accept_types(s);
	b.direction = imr_sdp_answer_direction(m.direction);
	b.offer = offer;
	b.offered = &m;
	return imr_sdp_build(&b, answer, e);
}

static int leg_accept(imr_session_t *s, imr_leg_t *l, const char *leg_id,
		const str *offer, const imr_party_t *party, str *answer,
		imr_err_t *e)
{
	memset(l, 0, sizeof(*l));
	if(copy_id(l->id, sizeof(l->id), leg_id, e) < 0)
		return -1;
	imr_side_init(&l->side);
	return accept_offer(s, l, offer, party, answer, e);
}

static int leg_reaccept(imr_session_t *s, imr_leg_t *l, const str *offer,
		const imr_party_t *party, str *answer, imr_err_t *e)
{
	if(!l->side.created) {
		imr_fail(e, 500, "leg %s does not exist", l->id);
		return -1;
	}
	return accept_offer(s, l, offer, party, answer, e);
}

static int leg_offer(imr_session_t *s, imr_leg_t *l, const char *leg_id,
		const imr_party_t *party, int tls, const char *direction,
		const str *carry, str *offer, imr_err_t *e)
{
	imr_sdp_build_t b;
	im_sdp_msrp_t carried;

	memset(l, 0, sizeof(*l));
	if(copy_id(l->id, sizeof(l->id), leg_id, e) < 0)
		return -1;
	if(direction && strcmp(direction, "sendonly") != 0
			&& strcmp(direction, "recvonly") != 0) {
		imr_fail(e, 500, "bad direction %s", direction);
		return -1;
	}
	if(carry && imr_sdp_parse(carry, &carried, e) < 0)
		return -1;
	imr_side_init(&l->side);
	/* the leg waits passive; a=setup:actpass lets the party say who
	 * connects, and a party that ignores it leaves it to us (RFC 4975) */
	if(imr_leg_set(s->relay, s->id, l->id, &l->side,
			   imr_leg_waiting(&l->side, tls, 0, party), e)
			< 0)
		return -1;
	l->side.uses_setup = 1;
	memset(&b, 0, sizeof(b));
	b.sd = &l->side;
	b.setup = IM_SETUP_ACTPASS;
	b.accept_types = accept_types(s);
	b.direction = direction;
	b.carry = carry;
	b.carried = carry ? &carried : NULL;
	return imr_sdp_build(&b, offer, e);
}

static int leg_complete(imr_session_t *s, imr_leg_t *l, const str *answer,
		const imr_party_t *party, imr_err_t *e)
{
	im_sdp_msrp_t m;
	json_t *p;

	if(!l->side.created) {
		imr_fail(e, 500, "leg %s was not offered", l->id);
		return -1;
	}
	if(imr_sdp_parse(answer, &m, e) < 0)
		return -1;
	p = imr_leg_answered(&l->side, &m, party, e);
	if(!p)
		return -1;
	return imr_leg_set(s->relay, s->id, l->id, &l->side, p, e);
}

static void leg_remove(imr_session_t *s, imr_leg_t *l)
{
	json_t *params;
	char err[IMR_ERROR_MAX];

	if(!l->side.created || !imr_relay_usable(s->relay))
		return;
	l->side.created = 0;
	/* quiet: no leg_closed event about what we did ourselves */
	params = json_pack(
			"{s:s, s:s, s:b}", "session", s->id, "id", l->id, "quiet", 1);
	if(imr_post(&imr_relays[s->relay], "leg.remove", params, err, sizeof(err))
			< 0)
		LM_WARN("relay %s: leg %s of session %s not removed: %s\n",
				imr_relays[s->relay].name, l->id, s->id, err);
	json_decref(params);
}

/* The body as text when it is UTF-8 (jansson takes nothing else), else
 * as body_base64: a deferred message may be any MIME type. */
static int add_body(json_t *params, const str *body)
{
	json_t *text = json_stringn(body->s ? body->s : "", (size_t)body->len);
	char *b64;
	int n;

	if(text)
		return json_object_set_new(params, "body", text);
	b64 = pkg_malloc(base64_enc_len(body->len) + 1);
	if(!b64) {
		PKG_MEM_ERROR;
		return -1;
	}
	n = base64_enc((unsigned char *)body->s, body->len, (unsigned char *)b64,
			base64_enc_len(body->len));
	n = n < 0 ? -1
			  : json_object_set_new(
						params, "body_base64", json_stringn(b64, (size_t)n));
	pkg_free(b64);
	return n;
}

/* One control call about a leg of s (params consumed), keeping its result
 * in *out (NULL: dropped): 0, or -1 with e (503 when the relay did not
 * answer, 500 for its refusal). */
static int leg_call_result(imr_session_t *s, const char *leg_id,
		const char *method, json_t *params, const char *what, json_t **out,
		imr_err_t *e)
{
	json_t *result = NULL;
	char err[IMR_ERROR_MAX];
	imr_call_status_t st;

	st = imr_call(&imr_relays[s->relay], method, params, &result, err,
			sizeof(err));
	json_decref(params);
	if(out && st == IMR_CALL_OK)
		*out = result;
	else if(result)
		json_decref(result);
	if(st != IMR_CALL_OK) {
		LM_WARN("relay %s session %s leg %s: %s: %s\n",
				imr_relays[s->relay].name, s->id, leg_id, method, err);
		char text[IMR_ERROR_MAX + 64];

		snprintf(text, sizeof(text), "%s: %s", what, err);
		imr_fail(e, st == IMR_CALL_RPC_ERROR ? 500 : 503, "%s", text);
		return -1;
	}
	return 0;
}

static int leg_call(imr_session_t *s, const char *leg_id, const char *method,
		json_t *params, const char *what, imr_err_t *e)
{
	return leg_call_result(s, leg_id, method, params, what, NULL, e);
}

static int inject(imr_session_t *s, const char *leg_id, const str *ctype,
		const str *body, const str *message_id, int success_report,
		imr_err_t *e)
{
	json_t *params;

	if(s->relay < 0 || s->relay >= imr_relay_count) {
		imr_fail(e, 500, "no relay session", NULL);
		return -1;
	}
	params = json_pack("{s:s, s:s, s:s%, s:b}", "session", s->id, "leg",
			leg_id, "content_type", ctype->s, (size_t)ctype->len,
			"success_report", success_report);
	if(!params || add_body(params, body) < 0) {
		if(params)
			json_decref(params);
		imr_fail(e, 500, "out of memory", NULL);
		return -1;
	}
	if(message_id && message_id->len)
		json_object_set_new(params, "message_id",
				json_stringn(message_id->s, message_id->len));
	return leg_call(s, leg_id, "message.inject", params, "message not injected",
			e);
}

static int report_send(imr_session_t *s, const char *leg_id,
		const char *message_id, long long total, const str *ctype,
		const str *body, imr_err_t *e)
{
	json_t *params;

	if(s->relay < 0 || s->relay >= imr_relay_count) {
		imr_fail(e, 500, "no relay session", NULL);
		return -1;
	}
	params = json_pack("{s:s, s:s, s:s, s:s%, s:s%}", "session", s->id, "leg",
			leg_id, "message_id", message_id, "content_type", ctype->s,
			(size_t)ctype->len, "body", body->s, (size_t)body->len);
	if(!params) {
		imr_fail(e, 500, "REPORT body or headers not UTF-8", NULL);
		return -1;
	}
	if(total >= 0)
		json_object_set_new(params, "total", json_integer(total));
	return leg_call(s, leg_id, "message.report", params, "REPORT not sent", e);
}

static int has_relay(imr_session_t *s, imr_err_t *e)
{
	if(s->relay < 0 || s->relay >= imr_relay_count) {
		imr_fail(e, 500, "no relay session", NULL);
		return 0;
	}
	return 1;
}

/* One message.get piece appended to body at its offset: the bytes it
 * gave, or -1. */
static long long get_piece(imr_session_t *s, const char *leg_id,
		const char *message_id, str *body, long long size, char *ctype,
		int ctypelen, imr_err_t *e)
{
	json_t *params, *result = NULL;
	const char *b64, *ct;
	long long n = -1;
	int len;

	params = json_pack("{s:s, s:s, s:s, s:I, s:I}", "session", s->id, "leg",
			leg_id, "message_id", message_id, "offset", (json_int_t)body->len,
			"length", (json_int_t)IMR_GET_PIECE);
	if(!params) {
		imr_fail(e, 500, "out of memory", NULL);
		return -1;
	}
	if(leg_call_result(
			   s, leg_id, "message.get", params, "message not read", &result, e)
			< 0)
		return -1;
	b64 = json_string_value(json_object_get(result, "body_base64"));
	ct = json_string_value(json_object_get(result, "content_type"));
	if(!b64
			|| json_integer_value(json_object_get(result, "size")) != size) {
		imr_fail(e, 500, "message.get: no body, or another size", NULL);
		goto done;
	}
	if(ctype && ct)
		snprintf(ctype, ctypelen, "%s", ct);
	len = (int)strlen(b64);
	if(base64_dec_len((unsigned char *)b64, len) > size - body->len) {
		imr_fail(e, 500, "message.get: more than the message", NULL);
		goto done;
	}
	n = base64_dec((unsigned char *)b64, len,
			(unsigned char *)body->s + body->len, (int)(size - body->len));
	if(n < 0)
		imr_fail(e, 500, "message.get: bad base64", NULL);
	else
		body->len += (int)n;
done:
	json_decref(result);
	return n;
}

static int message_get(imr_session_t *s, const char *leg_id,
		const char *message_id, str *body, char *ctype, int ctypelen,
		imr_err_t *e)
{
	json_t *params, *result = NULL;
	long long size, n;

	*body = (str)STR_NULL;
	if(!has_relay(s, e))
		return -1;
	/* the size first: the buffer is allocated once */
	params = json_pack("{s:s, s:s, s:s, s:i}", "session", s->id, "leg",
			leg_id, "message_id", message_id, "length", 0);
	if(!params
			|| leg_call_result(s, leg_id, "message.get", params,
					   "message not read", &result, e)
					   < 0)
		return -1;
	size = json_integer_value(json_object_get(result, "size"));
	json_decref(result);
	if(size < 0 || size > INT_MAX - 1) {
		imr_fail(e, 500, "message.get: bad size", NULL);
		return -1;
	}
	body->s = pkg_malloc(size + 1);
	if(!body->s) {
		PKG_MEM_ERROR;
		imr_fail(e, 500, "out of memory", NULL);
		return -1;
	}
	do {
		n = get_piece(s, leg_id, message_id, body, size, ctype, ctypelen, e);
	} while(n > 0 && body->len < size);
	if(n < 0 || body->len != size) {
		if(n >= 0)
			imr_fail(e, 500, "message.get: message shorter than its size",
					NULL);
		pkg_free(body->s);
		*body = (str)STR_NULL;
		return -1;
	}
	return 0;
}

static int message_release(imr_session_t *s, const char *leg_id,
		const char *message_id, imr_err_t *e)
{
	json_t *params;

	if(!has_relay(s, e))
		return -1;
	params = json_pack("{s:s, s:s, s:s}", "session", s->id, "leg", leg_id,
			"message_id", message_id);
	if(!params) {
		imr_fail(e, 500, "out of memory", NULL);
		return -1;
	}
	return leg_call(s, leg_id, "message.ack", params, "message not released",
			e);
}

void imr_session_bind(imr_api_t *api)
{
	api->session_open = session_open;
	api->session_close = session_close;
	api->leg_accept = leg_accept;
	api->leg_offer = leg_offer;
	api->leg_complete = leg_complete;
	api->leg_reaccept = leg_reaccept;
	api->leg_remove = leg_remove;
	api->inject = inject;
	api->report_send = report_send;
	api->message_get = message_get;
	api->message_release = message_release;
}
