/*
 * Control commands for sessions, legs and messages. Every command is
 * idempotent on the ids the caller chooses, so Kamailio may retry one
 * after a timeout: creating what exists returns it, removing what is gone
 * says so without an error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control_cmds.h"
#include "im_mime.h"
#include "engine.h"
#include "jsonrpc.h"
#include "owners.h"
#include "session.h"
#include "tls.h"

static char errbuf[512];

static const char *invalid(cmd_call_t *call, const char *fmt, const char *arg)
{
	call->code = JSONRPC_INVALID_PARAMS;
	snprintf(errbuf, sizeof(errbuf), fmt, arg);
	return errbuf;
}

static const char *failed(const char *msg)
{
	snprintf(errbuf, sizeof(errbuf), "%s", msg);
	return errbuf;
}

/* A string parameter; NULL when absent. *bad is set when present but not
 * a string. */
static const char *opt_str(cmd_call_t *call, const char *name, int *bad)
{
	json_t *v = json_object_get(call->params, name);
	if(!v || json_is_null(v))
		return NULL;
	if(!json_is_string(v)) {
		*bad = 1;
		return NULL;
	}
	return json_string_value(v);
}

static int opt_int(cmd_call_t *call, const char *name, json_int_t *out, int *bad)
{
	json_t *v = json_object_get(call->params, name);
	if(!v || json_is_null(v))
		return 0;
	if(!json_is_integer(v) || json_integer_value(v) < 0) {
		*bad = 1;
		return 0;
	}
	*out = json_integer_value(v);
	return 1;
}

static int opt_bool(cmd_call_t *call, const char *name, int *out, int *bad)
{
	json_t *v = json_object_get(call->params, name);
	if(!v || json_is_null(v))
		return 0;
	if(!json_is_boolean(v)) {
		*bad = 1;
		return 0;
	}
	*out = json_is_true(v);
	return 1;
}

#define REQUIRE_STR(var, name)                                          \
	const char *var = opt_str(call, name, &bad);                        \
	if(bad || !var)                                                     \
		return invalid(call, "%s: a string is required", name);

static session_t *find_session(cmd_call_t *call, const char **err)
{
	int bad = 0;
	const char *id = opt_str(call, "session", &bad);
	session_t *s;

	if(bad || !id) {
		*err = invalid(call, "%s: a string is required", "session");
		return NULL;
	}
	s = session_find(id);
	if(!s)
		*err = invalid(call, "no session %s", id);
	return s;
}

static leg_t *find_leg(cmd_call_t *call, const char *key, const char **err)
{
	int bad = 0;
	session_t *s = find_session(call, err);
	const char *id;
	leg_t *l;

	if(!s)
		return NULL;
	id = opt_str(call, key, &bad);
	if(bad || !id) {
		*err = invalid(call, "%s: a string is required", key);
		return NULL;
	}
	l = leg_find(s, id);
	if(!l)
		*err = invalid(call, "no leg %s", id);
	return l;
}

/* A leg as the control channel shows it: with, for msrps, the
 * a=fingerprint that the SDP pointing to this leg must carry. */
static json_t *leg_json(const leg_t *l)
{
	json_t *j = engine_leg_json(l);
	const char *fp = l->secure ? tls_local_fingerprint() : NULL;

	if(fp)
		json_object_set_new(j, "local_fingerprint", json_string(fp));
	return j;
}

static json_t *session_json(const session_t *s, int with_legs)
{
	json_t *j = json_pack("{s:s, s:s, s:i, s:b, s:b, s:i}", "id", s->id,
			"type", session_type_name(s->type), "legs", s->nlegs,
			"private_messages", s->private_messages, "allow_non_cpim",
			s->allow_non_cpim, "idle_timeout_s", (int)s->idle_timeout_s);
	if(s->identity[0])
		json_object_set_new(j, "identity", json_string(s->identity));
	if(s->owner[0]) {
		json_object_set_new(j, "owner", json_string(s->owner));
		json_object_set_new(j, "owner_boot_id", json_string(s->owner_boot_id));
	}
	if(with_legs) {
		json_t *legs = json_array();
		for(leg_t *l = s->legs; l; l = l->next)
			json_array_append_new(legs, leg_json(l));
		json_object_set_new(j, "legs", legs);
	}
	return j;
}

static const char *leg_add_or_update(cmd_call_t *call, int must_exist);

/* Takes back the legs this call added to an existing session (leg i
 * failed): legs that were only updated keep their new parameters. */
static void remove_created_legs(session_t *s, json_t *out)
{
	size_t i;
	json_t *r;

	json_array_foreach(out, i, r)
	{
		leg_t *l;

		if(!json_is_true(json_object_get(r, "created")))
			continue;
		l = leg_find(s, json_string_value(json_object_get(r, "id")));
		if(l)
			leg_remove(l, "a sibling leg was refused");
	}
}

/* session.create with "legs": each is a leg.add of its own, the results in
 * the session's "legs" (one round trip for a B2BUA's two legs). */
static const char *create_legs(cmd_call_t *call, session_t *s, json_t *legs)
{
	json_t *out = json_array();
	size_t i;
	json_t *leg;

	json_array_foreach(legs, i, leg)
	{
		cmd_call_t sub = {0};
		const char *err;

		if(!json_is_object(leg)) {
			remove_created_legs(s, out);
			json_decref(out);
			return invalid(call, "%s", "legs: each leg is an object");
		}
		sub.params = json_deep_copy(leg);
		json_object_set_new(sub.params, "session", json_string(s->id));
		err = leg_add_or_update(&sub, 0);
		json_decref(sub.params);
		if(err) {
			remove_created_legs(s, out);
			json_decref(out);
			char why[sizeof(errbuf)];

			/* err may be errbuf itself */
			snprintf(why, sizeof(why), "%s", err);
			call->code = sub.code;
			snprintf(errbuf, sizeof(errbuf), "leg %zu: %.200s", i, why);
			return errbuf;
		}
		json_array_append_new(out, sub.result);
	}
	json_object_set_new(call->result, "legs", out);
	return NULL;
}

const char *cmd_session_create(cmd_call_t *call)
{
	int bad = 0, created, priv = -1, non_cpim = -1;
	json_int_t idle = -1;
	REQUIRE_STR(id, "id");
	REQUIRE_STR(type, "type");
	const char *identity = opt_str(call, "identity", &bad);
	int t = session_type_parse(type);
	session_t *s;

	json_t *legs = json_object_get(call->params, "legs");
	const char *err, *owner, *owner_boot_id;
	int has_owner;

	opt_bool(call, "private_messages", &priv, &bad);
	opt_bool(call, "allow_non_cpim", &non_cpim, &bad);
	opt_int(call, "idle_timeout_s", &idle, &bad);
	if(legs && (!json_is_array(legs) || json_array_size(legs) > 2))
		return invalid(call, "%s", "legs: an array of at most two leg objects");
	if(bad)
		return invalid(call, "%s", "identity must be a string, "
								  "private_messages/allow_non_cpim booleans, "
								  "idle_timeout_s an integer >= 0");
	if(t < 0)
		return invalid(call, "type %s: bridge, conference or endpoint", type);
	if(identity && strlen(identity) >= IDENTITY_MAX)
		return invalid(call, "%s: too long", "identity");
	has_owner = owners_param(call->params, &owner, &owner_boot_id, errbuf,
			sizeof(errbuf));
	/* creating a session is also a sign of life of its owner */
	if(has_owner < 0
			|| (has_owner
					&& owners_touch(owner, owner_boot_id, errbuf,
							   sizeof(errbuf))
							   < 0)) {
		call->code = JSONRPC_INVALID_PARAMS;
		return errbuf;
	}
	created = session_find(id) == NULL;
	s = session_create(id, (session_type_t)t, errbuf, sizeof(errbuf));
	if(!s) {
		call->code = JSONRPC_INVALID_PARAMS;
		return errbuf;
	}
	if(identity)
		snprintf(s->identity, sizeof(s->identity), "%s", identity);
	if(priv >= 0)
		s->private_messages = priv;
	if(non_cpim >= 0)
		s->allow_non_cpim = non_cpim;
	if(idle >= 0)
		s->idle_timeout_s = (unsigned)idle;
	if(has_owner) {
		snprintf(s->owner, sizeof(s->owner), "%s", owner);
		snprintf(s->owner_boot_id, sizeof(s->owner_boot_id), "%s",
				owner_boot_id);
	}
	call->result = session_json(s, 0);
	json_object_set_new(call->result, "created", json_boolean(created));
	if(legs && (err = create_legs(call, s, legs)) != NULL) {
		/* all or nothing: a session made here goes again */
		if(created)
			session_destroy(s, "its legs were refused");
		json_decref(call->result);
		call->result = NULL;
		return err;
	}
	return NULL;
}

/* `quiet`: the caller ends the signalling itself (Kamailio after a BYE),
 * so no event tells it what it just did. Anyone else (an operator) gets
 * the SIP side ended through the session_closed / leg_closed event. */
static int quiet_param(cmd_call_t *call, int *bad)
{
	int quiet = 0;
	opt_bool(call, "quiet", &quiet, bad);
	return quiet;
}

const char *cmd_session_destroy(cmd_call_t *call)
{
	int bad = 0;
	REQUIRE_STR(id, "id");
	int quiet = quiet_param(call, &bad);
	session_t *s;

	if(bad)
		return invalid(call, "%s: true or false", "quiet");
	s = session_find(id);
	if(s && !quiet)
		engine_event_session_closed(s, "destroyed by control");
	if(s)
		session_destroy(s, "destroyed by control");
	call->result = json_pack("{s:b}", "destroyed", s != NULL);
	return NULL;
}

const char *cmd_session_get(cmd_call_t *call)
{
	int bad = 0;
	REQUIRE_STR(id, "id");
	session_t *s = session_find(id);

	if(!s)
		return invalid(call, "no session %s", id);
	call->result = session_json(s, 1);
	return NULL;
}

/* owner: only the sessions of that owner (whatever their boot id), which
 * is how a restarted Kamailio finds what its previous run left */
const char *cmd_session_list(cmd_call_t *call)
{
	int bad = 0;
	const char *owner = opt_str(call, "owner", &bad);
	json_t *list;

	if(bad)
		return invalid(call, "%s: a string", "owner");
	list = json_array();
	for(session_t *s = sessions_all(); s; s = s->hh.next)
		if(!owner || strcmp(owner, s->owner) == 0)
			json_array_append_new(list, session_json(s, 0));
	call->result = list;
	return NULL;
}

static const char *read_leg_params(cmd_call_t *call, leg_params_t *p)
{
	int bad = 0, b;
	json_int_t v;
	const char *setup;

	leg_params_init(p);
	p->remote_path = opt_str(call, "remote_path", &bad);
	setup = opt_str(call, "setup", &bad);
	if(setup) {
		if(strcmp(setup, "active") == 0)
			p->active = 1;
		else if(strcmp(setup, "passive") == 0)
			p->active = 0;
		else
			return invalid(call, "setup %s: active or passive", setup);
	}
	if(opt_bool(call, "tls", &b, &bad))
		p->secure = b;
	if(opt_bool(call, "ipv6", &b, &bad))
		p->ipv6 = b;
	p->cema_addr = opt_str(call, "cema_addr", &bad);
	p->accept_types = opt_str(call, "accept_types", &bad);
	if(opt_int(call, "max_size", &v, &bad))
		p->max_size = v;
	if(opt_int(call, "max_chunk", &v, &bad)) {
		if(v > 1024 * 1024)
			return invalid(call, "%s: at most 1048576", "max_chunk");
		p->max_chunk = v;
	}
	p->identity = opt_str(call, "identity", &bad);
	p->display = opt_str(call, "display", &bad);
	p->version = opt_str(call, "version", &bad);
	p->fingerprint = opt_str(call, "fingerprint", &bad);
	if(bad)
		return invalid(call, "%s", "a leg parameter has the wrong type");
	return NULL;
}

static const char *leg_add_or_update(cmd_call_t *call, int must_exist)
{
	int bad = 0, created = 0, moved;
	const char *err = NULL;
	leg_params_t p;
	session_t *s = find_session(call, &err);
	REQUIRE_STR(id, "id");
	leg_t *l;

	if(!s)
		return err;
	if((err = read_leg_params(call, &p)) != NULL)
		return err;
	l = leg_find(s, id);
	if(must_exist && !l)
		return invalid(call, "no leg %s", id);
	if(l && l->secure != (p.secure > 0) && p.secure >= 0)
		return invalid(call, "leg %s: tls cannot change", id);
	moved = l && p.remote_path && strcmp(l->remote_path, p.remote_path) != 0
			&& l->remote_path[0];
	l = leg_add(s, id, &p, &created, errbuf, sizeof(errbuf));
	if(!l) {
		call->code = JSONRPC_INVALID_PARAMS;
		return errbuf;
	}
	if(moved)
		engine_leg_moved(l);
	engine_leg_updated(l);
	call->result = leg_json(l);
	json_object_set_new(call->result, "created", json_boolean(created));
	return NULL;
}

const char *cmd_leg_add(cmd_call_t *call)
{
	return leg_add_or_update(call, 0);
}

const char *cmd_leg_update(cmd_call_t *call)
{
	return leg_add_or_update(call, 1);
}

const char *cmd_leg_remove(cmd_call_t *call)
{
	int bad = 0;
	const char *err = NULL;
	session_t *s = find_session(call, &err);
	REQUIRE_STR(id, "id");
	int quiet = quiet_param(call, &bad);
	leg_t *l;

	if(!s)
		return err;
	if(bad)
		return invalid(call, "%s: true or false", "quiet");
	l = leg_find(s, id);
	if(l && !quiet)
		engine_event_leg_closed(l, "removed by control");
	if(l)
		leg_remove(l, "removed by control");
	call->result = json_pack("{s:b}", "removed", l != NULL);
	return NULL;
}

static int b64val(char c)
{
	if(c >= 'A' && c <= 'Z')
		return c - 'A';
	if(c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if(c >= '0' && c <= '9')
		return c - '0' + 52;
	if(c == '+')
		return 62;
	if(c == '/')
		return 63;
	return -1;
}

/* Returns the decoded length, or -1 for invalid base64. */
static long unbase64(const char *in, size_t n, unsigned char *out)
{
	size_t o = 0;
	unsigned acc = 0;
	int bits = 0, pad = 0;

	for(size_t i = 0; i < n; i++) {
		int v;
		if(in[i] == '=') {
			pad++;
			continue;
		}
		if(pad || (v = b64val(in[i])) < 0)
			return -1;
		acc = acc << 6 | (unsigned)v;
		bits += 6;
		if(bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
		}
	}
	if(pad > 2 || (n % 4) != 0)
		return -1;
	return (long)o;
}

const char *cmd_message_inject(cmd_call_t *call)
{
	int bad = 0, sr = 0;
	const char *err = NULL;
	leg_t *l = find_leg(call, "leg", &err);
	const char *ct, *body, *b64, *mid;
	char out_mid[256];
	unsigned char *data = NULL;
	size_t len = 0;
	int rc;

	if(!l)
		return err;
	ct = opt_str(call, "content_type", &bad);
	body = opt_str(call, "body", &bad);
	b64 = opt_str(call, "body_base64", &bad);
	mid = opt_str(call, "message_id", &bad);
	opt_bool(call, "success_report", &sr, &bad);
	if(bad || !ct)
		return invalid(call, "%s", "content_type (string) is required; body, "
								  "body_base64, message_id strings; "
								  "success_report boolean");
	if(!!body == !!b64)
		return invalid(call, "%s", "exactly one of body and body_base64");
	if(body) {
		data = (unsigned char *)body;
		len = json_string_length(json_object_get(call->params, "body"));
	} else {
		size_t n = strlen(b64);
		long dl;
		data = malloc(n / 4 * 3 + 3);
		if(!data)
			return failed("out of memory");
		dl = unbase64(b64, n, data);
		if(dl < 0) {
			free(data);
			return invalid(call, "%s", "body_base64 is not base64");
		}
		len = (size_t)dl;
	}
	rc = engine_inject(l, ct, data, len, mid, sr, out_mid, sizeof(out_mid),
			errbuf, sizeof(errbuf));
	if(b64)
		free(data);
	if(rc < 0)
		return errbuf;
	call->result = json_pack("{s:s}", "message_id", out_mid);
	return NULL;
}

/* message.report: a REPORT with a body (OMA IM final delivery report,
 * C-8, TS 5.7.3) on a leg, about a message the leg's party sent. */
const char *cmd_message_report(cmd_call_t *call)
{
	int bad = 0;
	const char *err = NULL;
	leg_t *l = find_leg(call, "leg", &err);
	const char *ct, *body, *mid;
	json_t *jt = json_object_get(call->params, "total");
	json_t *jc = json_object_get(call->params, "code");
	json_int_t total = 0, code = 200;

	if(!l)
		return err;
	ct = opt_str(call, "content_type", &bad);
	body = opt_str(call, "body", &bad);
	mid = opt_str(call, "message_id", &bad);
	if((jt && !json_is_integer(jt)) || (jc && !json_is_integer(jc)))
		bad = 1;
	if(jt)
		total = json_integer_value(jt);
	if(jc)
		code = json_integer_value(jc);
	if(bad || !ct || !body || !mid || !mid[0] || total < 0 || code < 200
			|| code > 999)
		return invalid(call, "%s", "content_type, body and message_id "
								  "strings are required; total an integer "
								  "(0 or more; absent: unknown), code 200..999");
	if(!im_mime_type_ok(ct, strlen(ct)))
		return invalid(call, "%s", "content_type is not a media type");
	for(const char *p = mid; *p; p++)
		if(*p <= ' ' || *p == 127)
			return invalid(call, "%s", "message_id has a blank or control");
	if(engine_report_body(l, mid, (uint64_t)total, !jt, (int)code, ct, body,
			   json_string_length(json_object_get(call->params, "body")),
			   errbuf, sizeof(errbuf))
			< 0) {
		call->code = JSONRPC_INVALID_PARAMS;
		return errbuf;
	}
	call->result = json_pack("{s:b}", "sent", 1);
	return NULL;
}

const char *cmd_message_get(cmd_call_t *call)
{
	int bad = 0;
	const char *err = NULL, *ct;
	leg_t *l = find_leg(call, "leg", &err);
	json_int_t offset = 0, length = 512 * 1024;
	const char *data;
	size_t len;
	char *b64;

	if(!l)
		return err;
	REQUIRE_STR(mid, "message_id");
	opt_int(call, "offset", &offset, &bad);
	opt_int(call, "length", &length, &bad);
	if(bad)
		return invalid(call, "%s", "offset and length are integers >= 0");
	data = engine_stored_message(l, mid, &len, &ct);
	if(!data)
		return invalid(call, "no received message %s", mid);
	if((size_t)offset > len)
		offset = (json_int_t)len;
	if(length > 512 * 1024)
		length = 512 * 1024;
	if((size_t)(offset + length) > len)
		length = (json_int_t)len - offset;
	b64 = engine_base64(data + offset, (size_t)length);
	if(!b64)
		return failed("out of memory");
	call->result = json_pack("{s:s, s:s, s:I, s:I, s:s}", "message_id", mid,
			"content_type", ct, "size", (json_int_t)len, "offset", offset,
			"body_base64", b64);
	free(b64);
	return NULL;
}

const char *cmd_message_ack(cmd_call_t *call)
{
	int bad = 0;
	const char *err = NULL;
	leg_t *l = find_leg(call, "leg", &err);

	if(!l)
		return err;
	REQUIRE_STR(mid, "message_id");
	call->result = json_pack("{s:b}", "released",
			engine_release_message(l, mid) == 0);
	return NULL;
}
