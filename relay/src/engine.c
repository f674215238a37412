/*
 * Engine input: frames from connections, matched to legs, answered, and
 * handed to forward.c, txn.c or endpoint.c by kind. The top of the
 * engine's layers (engine_ctx.h): it holds the relay's one context and
 * passes it down.
 */
#include "engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "endpoint.h"
#include "engine_ctx.h"
#include "forward.h"
#include "inmsg.h"
#include "log.h"
#include "msrp_write.h"
#include "rxframe.h"
#include "stats.h"
#include "txn.h"

engine_config_t engine_config = {
		.default_max_chunk = 65536,
		.max_queue = 1024 * 1024,
		.txn_timeout_ms = 30000,
		.max_head = 16384,
		.max_line = 4096,
		.max_message = (uint64_t)1 << 32,
		.cpim_head_max = 8192,
		.endpoint_max_message = 10 * 1024 * 1024,
		.endpoint_store_max = 64 * 1024 * 1024,
		.max_inflight = 64,
};

/* The event loop's engine: the public functions below work on it. */
static engine_t relay_engine;

struct rxstate {
	int in_body;
	rxframe_t f;
};

static void forget_leg(leg_t *leg, const char *why, void *arg);

void engine_init(const engine_config_t *config, const engine_io_t *io)
{
	leg_hooks_t hooks = {config->default_max_chunk, forget_leg, &relay_engine};

	relay_engine.cfg = *config;
	relay_engine.io = io;
	session_set_leg_hooks(&hooks);
	stats_set_engine_source(engine_stats);
}

/* Frees what a frame holds (stage, MIME headers). */
static void rxframe_release(rxframe_t *f)
{
	forward_drop_stage(f);
	free(f->report_body);
	f->report_body = NULL;
	f->report_len = 0;
	f->report_too_long = 0;
	free(f->mime);
	f->mime = NULL;
	f->mime_len = 0;
}

rxstate_t *rx_new(void)
{
	return calloc(1, sizeof(rxstate_t));
}

void rx_free(rxstate_t *rx)
{
	if(rx)
		rxframe_release(&rx->f);
	free(rx);
}

static void respond(engine_t *e, struct mconn *c, rxframe_t *f, int code,
		const char *comment)
{
	size_t n;

	/* RFC 4975 7.1.2: "no" wants no response at all, "partial" only
	 * failures */
	if(f->failure_report == MSRP_REPORT_NO)
		return;
	if(f->failure_report == MSRP_REPORT_PARTIAL && code == 200)
		return;
	n = msrp_write_response(e->scratch, sizeof(e->scratch), f->tid, code,
			comment && comment[0] ? comment : NULL, f->prev_hop, f->our_uri);
	if(n == 0)
		return;
	e->io->conn_write(c, e->scratch, n);
	stats_response_sent(code);
}

static void copy_span(char *dst, size_t dstlen, msrp_span_t s)
{
	size_t n = s.len < dstlen - 1 ? s.len : dstlen - 1;
	if(n)
		memcpy(dst, s.p, n);
	dst[n] = '\0';
}

static void reject(rxframe_t *f, int code, const char *comment)
{
	f->respond = code;
	snprintf(f->respond_comment, sizeof(f->respond_comment), "%s",
			comment ? comment : "");
	f->mode = BODY_DISCARD;
	if(code == 400)
		f->binds = 0; /* a malformed frame binds nothing */
	stats_rejected(code);
}

/*
 * A leg belongs to one connection (RFC 4975 5.4, 14.2): the one the relay
 * opened for it when active, or, when passive, the first connection whose
 * first valid frame named it. It is never taken over by another one.
 */
static void bind_leg(engine_t *e, struct mconn *c, leg_t *leg)
{
	int was_connected = leg->state == LEG_CONNECTED;

	if(leg->conn != c)
		e->io->bind(c, leg);
	leg->bound = 1;
	leg->state = LEG_CONNECTED;
	if(!was_connected) {
		ilog(msrp, LOG_INFO, "session %s leg %s connected", leg->session->id,
				leg->id);
		ctx_leg_event(e, "leg_connected", leg, NULL);
		push_pump(e, leg);
	}
}

/* Whether a frame on c for leg comes from a connection the leg is not
 * bound to (logged and counted: someone who learnt the paths). */
static int from_foreign_connection(
		const struct mconn *c, const leg_t *leg, const rxframe_t *f)
{
	if(leg->conn == NULL || leg->conn == c)
		return 0;
	ilog(msrp, LOG_WARN,
			"session %s leg %s: %s %s from a connection the leg is not bound "
			"to (From-Path %s): refused",
			leg->session->id, leg->id, msrp_method_name(f->method), f->tid,
			f->prev_hop);
	stats_error("foreign_connection");
	return 1;
}

int engine_conn_matches_fingerprint(struct mconn *c, const leg_t *leg)
{
	const engine_io_t *io = relay_engine.io;
	char got[FINGERPRINT_MAX];

	if(!leg->fp_alg[0])
		return 1;
	if(!io->conn_fingerprint
			|| io->conn_fingerprint(c, leg->fp_alg, got, sizeof(got)) < 0)
		got[0] = '\0';
	if(strcmp(got, leg->fp_hex) == 0)
		return 1;
	ilog(msrp, LOG_WARN,
			"session %s leg %s: peer certificate %s %s is not the SDP's "
			"a=fingerprint: refused",
			leg->session->id, leg->id, leg->fp_alg, got[0] ? got : "(none)");
	stats_error("fingerprint_mismatch");
	return 0;
}

/* Copies the headers that are not MSRP's own, to pass them on unchanged
 * (Content-Disposition, Content-ID, Content-Description...). */
static int copy_mime_headers(rxframe_t *f, const msrp_frame_t *mf)
{
	size_t need = 0;
	char *p;

	for(int i = 0; i < mf->nheaders; i++)
		if(mf->headers[i].id == MSRP_H_OTHER)
			need += mf->headers[i].name.len + 2 + mf->headers[i].value.len + 2;
	f->mime_len = 0;
	if(need == 0)
		return 0;
	if(need >= MIME_MAX || (f->mime = malloc(need)) == NULL)
		return -1;
	p = f->mime;
	for(int i = 0; i < mf->nheaders; i++) {
		const msrp_header_t *h = &mf->headers[i];
		if(h->id != MSRP_H_OTHER)
			continue;
		memcpy(p, h->name.p, h->name.len);
		p += h->name.len;
		memcpy(p, ": ", 2);
		p += 2;
		memcpy(p, h->value.p, h->value.len);
		p += h->value.len;
		memcpy(p, "\r\n", 2);
		p += 2;
	}
	f->mime_len = need;
	return 0;
}

/* The first URI of a path value, as text. */
/* Finds the leg a frame is for (its first To-Path URI's session-id) and
 * fills the addressing part of f. Only the URIs the relay uses are parsed:
 * the first of To-Path, the first and (for sessmatch) the last of
 * From-Path. Returns -1 when the frame cannot even be answered. */
static int address_frame(const msrp_frame_t *mf, rxframe_t *f,
		msrp_uri_t *from_last)
{
	const msrp_span_t *to = msrp_frame_header(mf, MSRP_H_TO_PATH);
	const msrp_span_t *from = msrp_frame_header(mf, MSRP_H_FROM_PATH);
	msrp_uri_t to_first, from_first;
	msrp_span_t t, fr, last;

	if(!to || !from)
		return -1;
	im_msrp_path_ends(*to, &t, NULL);
	im_msrp_path_ends(*from, &fr, &last);
	if(msrp_uri_parse(t.p, t.len, &to_first) < 0
			|| msrp_uri_parse(fr.p, fr.len, &from_first) < 0)
		return -1;
	if(last.p != fr.p) {
		if(msrp_uri_parse(last.p, last.len, from_last) < 0)
			return -1;
	} else {
		*from_last = from_first;
	}
	/* responses and our answers go to the previous hop only */
	copy_span(f->prev_hop, sizeof(f->prev_hop), fr);
	copy_span(f->our_uri, sizeof(f->our_uri), t);
	f->leg = to_first.session_id.len ? leg_by_sid(to_first.session_id.p,
											   to_first.session_id.len)
									 : NULL;
	if(f->leg && f->leg->secure != to_first.secure)
		f->leg = NULL; /* msrp vs msrps is part of the session's identity */
	return 0;
}

/* RFC 4975 sessmatch: the peer at the far end of the From-Path must be the
 * one negotiated for this leg. */
static int from_path_matches(const leg_t *leg, const msrp_uri_t *from_last)
{
	if(leg->nremote == 0)
		return 1; /* not known yet: the SDP answer is still on its way */
	return msrp_uri_equal(from_last, &leg->remote[leg->nremote - 1]);
}

static void on_send_head(
		engine_t *e, rxframe_t *f, const msrp_frame_t *mf, int found)
{
	const msrp_span_t *v;
	leg_t *leg = f->leg;

	if(!found) {
		reject(f, 481, "no such session");
		return;
	}
	v = msrp_frame_header(mf, MSRP_H_MESSAGE_ID);
	if(!v || v->len == 0 || v->len >= MID_MAX) {
		reject(f, 400, "Message-ID missing or too long");
		return;
	}
	copy_span(f->message_id, sizeof(f->message_id), *v);
	v = msrp_frame_header(mf, MSRP_H_BYTE_RANGE);
	if(v) {
		if(msrp_range_parse(*v, &f->range) < 0) {
			reject(f, 400, "bad Byte-Range");
			return;
		}
	} else {
		f->range.start = 1;
		f->range.end_unknown = f->range.total_unknown = 1;
	}
	f->success_report = msrp_success_report_parse(
			msrp_frame_header(mf, MSRP_H_SUCCESS_REPORT));
	if(f->success_report < 0) {
		f->success_report = MSRP_REPORT_NO;
		reject(f, 400, "bad Success-Report");
		return;
	}
	if(!mf->has_body) {
		f->respond = 200; /* an empty SEND binds or keeps alive */
		f->mode = BODY_DISCARD;
		return;
	}
	v = msrp_frame_header(mf, MSRP_H_CONTENT_TYPE);
	if(!v || v->len == 0 || v->len >= CT_MAX) {
		reject(f, 400, "body without Content-Type");
		return;
	}
	copy_span(f->content_type, sizeof(f->content_type), *v);
	if(copy_mime_headers(f, mf) < 0) {
		reject(f, 400, "MIME headers too long");
		return;
	}
	if(!f->range.total_unknown && f->range.total > e->cfg.max_message) {
		reject(f, 413, "message too large");
		return;
	}
	leg->session->last_activity = time(NULL);
	leg->session->idle_reported = 0;
	f->respond = 200;
	if(leg->session->type == SESSION_ENDPOINT) {
		if(store_head(e, f) < 0)
			f->mode = BODY_DISCARD;
	} else if(forward_send_head(e, f) < 0) {
		f->mode = BODY_DISCARD;
	}
}

/* What the answer to one of our requests means, by its kind; then the
 * transaction is over. */
static void txn_done(engine_t *e, txn_t *t, int code, const char *comment)
{
	leg_t *leg = t->leg;

	switch(t->kind) {
		case TXN_FORWARD:
			forward_txn_done(e, t, code, comment);
			break;
		case TXN_INJECT:
			push_on_txn_done(e, t, code, comment);
			break;
		case TXN_BIND:
			if(code != 200) {
				ilog(msrp, LOG_WARN,
						"session %s leg %s: peer answered %d to the binding "
						"SEND",
						leg->session->id, leg->id, code);
				ctx_leg_event(e, "connect_failed", leg,
						json_pack("{s:s, s:i}", "error", "binding SEND refused",
								"code", code));
			}
			break;
	}
	txn_free(e, t);
}

static void on_response(engine_t *e, rxframe_t *f)
{
	txn_t *t = txn_find(f->leg, f->tid);

	if(!t) {
		stats_error("unmatched_response");
		return;
	}
	txn_done(e, t, f->status, f->report_comment);
}

/* Returns -1 to close the connection. */
static int on_head(
		engine_t *e, struct mconn *c, rxstate_t *rx, const msrp_frame_t *mf)
{
	rxframe_t *f = &rx->f;
	msrp_uri_t from_last;
	int found;
	const msrp_span_t *v;

	rxframe_release(f);
	memset(f, 0, sizeof(*f));
	copy_span(f->tid, sizeof(f->tid), mf->tid);
	f->method = mf->method;
	f->status = mf->status;
	f->mode = BODY_DISCARD;
	f->failure_report = MSRP_REPORT_YES;
	stats_frame_in(mf->method);

	if(address_frame(mf, f, &from_last) < 0) {
		ilog(msrp, LOG_WARN, "frame %s without a usable To-Path/From-Path",
				f->tid);
		stats_error("bad_path");
		return -1;
	}
	found = leg_usable(f->leg);
	ilog(msrp, LOG_DEBUG, "%s %s for %s%s%s", msrp_method_name(mf->method), f->tid,
			f->leg ? f->leg->session->id : "no session", f->leg ? "/" : "",
			f->leg ? f->leg->id : "");
	if(found && mf->method != MSRP_RESPONSE) {
		if(!from_path_matches(f->leg, &from_last)) {
			ilog(msrp, LOG_WARN, "session %s leg %s: From-Path %s is not the "
								 "negotiated peer",
					f->leg->session->id, f->leg->id, f->prev_hop);
			stats_error("from_path_mismatch");
			f->leg = NULL;
			found = 0;
			f->failure_report = MSRP_REPORT_YES;
			reject(f, 403, "From-Path does not match the session");
			return 0;
		}
		if(from_foreign_connection(c, f->leg, f)) {
			f->leg = NULL;
			found = 0;
			if(mf->method != MSRP_SEND)
				return 0;
			/* its body is still held to its Byte-Range: a broken frame
			 * closes the intruder's connection */
			v = msrp_frame_header(mf, MSRP_H_BYTE_RANGE);
			if(v && msrp_range_parse(*v, &f->range) < 0)
				return -1;
			reject(f, 403, "the session is bound to another connection");
			return 0;
		}
		f->binds = f->leg->conn == NULL;
		if(f->binds && !engine_conn_matches_fingerprint(c, f->leg)) {
			f->leg = NULL;
			f->binds = 0;
			if(mf->method == MSRP_SEND)
				reject(f, 403, "certificate does not match a=fingerprint");
			return 0;
		}
		f->leg->frames_in++;
	}
	if(f->leg && mf->method == MSRP_RESPONSE
			&& from_foreign_connection(c, f->leg, f))
		return 0; /* answers to our requests come on the leg's own hop */

	switch(mf->method) {
		case MSRP_SEND:
			f->failure_report = msrp_failure_report_parse(
					msrp_frame_header(mf, MSRP_H_FAILURE_REPORT));
			if(f->failure_report < 0) {
				f->failure_report = MSRP_REPORT_YES;
				reject(f, 400, "bad Failure-Report");
				break;
			}
			on_send_head(e, f, mf, found);
			break;
		case MSRP_REPORT:
			f->failure_report = MSRP_REPORT_NO; /* REPORTs are not answered */
			if(!found)
				break;
			v = msrp_frame_header(mf, MSRP_H_MESSAGE_ID);
			if(v)
				copy_span(f->message_id, sizeof(f->message_id), *v);
			v = msrp_frame_header(mf, MSRP_H_BYTE_RANGE);
			if(v && msrp_range_parse(*v, &f->range) < 0) {
				f->binds = 0;
				break;
			}
			v = msrp_frame_header(mf, MSRP_H_STATUS);
			{
				msrp_span_t comment = {NULL, 0};
				if(!v || !f->message_id[0]
						|| msrp_status_parse(*v, &f->report_code, &comment)
								   < 0) {
					stats_error("bad_report");
					f->binds = 0;
					break;
				}
				copy_span(f->report_comment, sizeof(f->report_comment),
						comment);
			}
			/* a bridge passes a REPORT's body on (an OMA IM final delivery
			 * report, C-8): the REPORT goes at its end-line */
			if(mf->has_body && f->leg->session->type == SESSION_BRIDGE) {
				v = msrp_frame_header(mf, MSRP_H_CONTENT_TYPE);
				if(v && v->len && v->len < CT_MAX) {
					copy_span(f->content_type, sizeof(f->content_type), *v);
					f->mode = BODY_REPORT;
					break;
				}
			}
			if(!push_on_report(e, f->leg, f))
				forward_report(e, f);
			break;
		case MSRP_RESPONSE:
			copy_span(f->report_comment, sizeof(f->report_comment), mf->comment);
			if(f->leg)
				on_response(e, f);
			break;
		case MSRP_AUTH:
			/* RFC 4976 AUTH is for relays that clients choose; this one
			 * is placed in the path by the IM server's SDP */
			reject(f, 403, "AUTH not accepted: this relay is a B2BUA");
			break;
		case MSRP_UNKNOWN_METHOD:
			reject(f, 501, NULL);
			break;
	}
	return 0;
}

static uint64_t body_limit(const engine_t *e, const rxframe_t *f)
{
	uint64_t len;

	if(f->method == MSRP_SEND && f->range.start
			&& msrp_range_len(&f->range, &len))
		return len;
	return e->cfg.max_message;
}

static void report_body_add(rxframe_t *f, const char *data, size_t len)
{
	char *p;

	if(f->report_too_long || !len)
		return;
	if(f->report_len + len > REPORT_BODY_MAX) {
		f->report_too_long = 1;
		free(f->report_body);
		f->report_body = NULL;
		f->report_len = 0;
		return;
	}
	p = realloc(f->report_body, f->report_len + len);
	if(!p) {
		f->report_too_long = 1;
		return;
	}
	memcpy(p + f->report_len, data, len);
	f->report_body = p;
	f->report_len += len;
}

static void finish_frame(engine_t *e, struct mconn *c, rxstate_t *rx, char flag)
{
	rxframe_t *f = &rx->f;

	switch(f->mode) {
		case BODY_FORWARD:
			forward_frame_done(e, f, flag);
			break;
		case BODY_STORE:
			store_frame_done(e, f, flag);
			break;
		case BODY_DISCARD:
			/* a refused message is over with its last chunk */
			if(f->msg && flag != '+' && f->leg) {
				inmsg_free(e, f->leg, f->msg);
				f->msg = NULL;
			}
			break;
		case BODY_CPIM_WAIT:
			break;
		case BODY_REPORT:
			if(f->report_too_long)
				ilog(msrp, LOG_WARN,
						"session %s leg %s: REPORT %s body over %d bytes: "
						"passed on without it",
						f->leg->session->id, f->leg->id, f->tid,
						REPORT_BODY_MAX);
			if(flag == '$')
				forward_report(e, f);
			break;
	}
	rxframe_release(f);
	/* bound only now that the whole frame proved valid: a malformed
	 * frame closes its connection without touching the leg */
	if(f->binds && f->leg) {
		if(f->leg->conn == NULL)
			bind_leg(e, c, f->leg);
		else if(f->leg->conn != c)
			from_foreign_connection(c, f->leg, f);
	}
	if(f->respond && f->method != MSRP_RESPONSE && f->method != MSRP_REPORT)
		respond(e, c, f, f->respond, f->respond_comment);
	rx->in_body = 0;
}

rx_result_t engine_input(struct mconn *c, rxstate_t *rx, const char *data,
		size_t len, size_t *consumed, size_t *want)
{
	engine_t *e = &relay_engine;
	msrp_limits_t lim = {e->cfg.max_head, e->cfg.max_line};
	size_t pos = 0;

	*consumed = 0;
	*want = 0;
	while(pos < len) {
		rxframe_t *f = &rx->f;

		if(!rx->in_body) {
			msrp_frame_t mf;
			const char *err;
			int r;

			/* a peer that does not read its answers is not served */
			if(e->io->conn_queued(c) >= e->cfg.max_queue)
				return RX_PAUSED;
			r = msrp_parse_head(data + pos, len - pos, &lim, &mf, &err);
			if(r == MSRP_NEED_MORE) {
				*want = len - pos + 1;
				return RX_NEED_MORE;
			}
			if(r == MSRP_ERROR) {
				ilog(msrp, LOG_WARN, "malformed frame: %s", err);
				stats_error("malformed_frame");
				return RX_CLOSE;
			}
			if(on_head(e, c, rx, &mf) < 0)
				return RX_CLOSE;
			pos += (size_t)r;
			*consumed = pos;
			if(mf.has_body)
				rx->in_body = 1;
			else
				finish_frame(e, c, rx, mf.flag);
			continue;
		}

		msrp_span_t tid = {f->tid, strlen(f->tid)};
		size_t blen, used, fc = 0;
		char flag = '$';
		int found = msrp_body_scan(tid, data + pos, len - pos, &blen, &used, &flag);
		rx_result_t rr = RX_OK;

		/* a body longer than its Byte-Range says (or than any message may
		 * be) is a broken frame, not a reason to keep reading */
		if(f->body_seen + blen > body_limit(e, f)) {
			ilog(msrp, LOG_WARN, "frame %s: body longer than its Byte-Range",
					f->tid);
			stats_error("malformed_frame");
			return RX_CLOSE;
		}

		if(f->mode == BODY_CPIM_WAIT) {
			rr = conference_cpim(e, f, data + pos, blen, found, want);
			if(rr == RX_NEED_MORE) {
				*want = len - pos + 1;
				return RX_NEED_MORE;
			}
			continue; /* the mode is now FORWARD or DISCARD */
		}
		if(f->mode == BODY_FORWARD) {
			rr = forward_body(e, f, data + pos, blen, found, flag, &fc);
			pos += fc;
			f->body_seen += fc;
			*consumed = pos;
			if(rr == RX_PAUSED)
				return RX_PAUSED;
			if(fc < blen || !found) {
				*want = len - pos + 1;
				return RX_NEED_MORE;
			}
			pos += used - blen;
		} else {
			if(f->mode == BODY_STORE)
				store_body(e, f, data + pos, blen);
			else if(f->mode == BODY_REPORT)
				report_body_add(f, data + pos, blen);
			f->body_seen += blen;
			pos += used;
		}
		*consumed = pos;
		if(found)
			finish_frame(e, c, rx, flag);
		else if(pos < len) {
			*want = len - pos + 1;
			return RX_NEED_MORE;
		}
	}
	return RX_OK;
}

void engine_conn_closed(struct mconn *c, rxstate_t *rx, const char *why)
{
	(void)c;
	(void)why;
	if(rx && rx->in_body && rx->f.mode == BODY_FORWARD && leg_usable(rx->f.leg))
		forward_abort(&relay_engine, &rx->f);
	if(rx)
		rx->in_body = 0;
}

void engine_event_leg_closed(leg_t *leg, const char *why)
{
	ctx_leg_event(&relay_engine, "leg_closed", leg,
			json_pack("{s:s}", "reason", why));
}

void engine_event_session_closed(const session_t *s, const char *why)
{
	relay_engine.io->event("session_closed",
			json_pack("{s:s, s:s}", "session", s->id, "reason", why));
}

void engine_rx_forget_leg(rxstate_t *rx, leg_t *leg)
{
	if(!rx->in_body || rx->f.leg != leg)
		return;
	rx->f.leg = NULL;
	rx->f.msg = NULL;
	forward_drop_stage(&rx->f);
	rx->f.mode = BODY_DISCARD;
	if(rx->f.respond)
		rx->f.respond = 481;
}

void engine_leg_connected(leg_t *leg)
{
	engine_t *e = &relay_engine;
	char tid[17], mid[25];
	msrp_send_head_t h = {0};
	size_t n;
	txn_t *t;

	/* RFC 4975 5.4: the active side speaks first, an empty SEND that
	 * binds the connection to the session */
	msrp_new_tid(tid);
	msrp_new_message_id(mid);
	h.tid = tid;
	h.to_path = leg->remote_path;
	h.from_path = leg->local_path;
	h.message_id = mid;
	h.start = 1;
	h.end = 0;
	h.total = 0;
	h.failure_report = -1;
	n = msrp_write_send_head(e->scratch, sizeof(e->scratch), &h);
	if(n == 0)
		return;
	t = txn_start(e, leg, TXN_BIND, tid);
	if(t)
		snprintf(t->message_id, sizeof(t->message_id), "%s", mid);
	e->io->leg_write(leg, e->scratch, n);
	n = msrp_write_end_line(e->scratch, sizeof(e->scratch), tid, '$', 0);
	e->io->leg_write(leg, e->scratch, n);
	leg->frames_out++;
	leg->bound = 1;
	if(leg->state != LEG_CONNECTED) {
		leg->state = LEG_CONNECTED;
		ilog(msrp, LOG_INFO, "session %s leg %s connected to %s",
				leg->session->id, leg->id, leg->remote_path);
		ctx_leg_event(e, "leg_connected", leg, NULL);
	}
	push_pump(e, leg);
}

void engine_leg_connect_failed(leg_t *leg, const char *why)
{
	ilog(msrp, LOG_WARN, "session %s leg %s: cannot connect to %s: %s",
			leg->session->id, leg->id, leg->remote_path, why);
	leg->state = LEG_CLOSED;
	ctx_leg_event(&relay_engine, "connect_failed", leg,
			json_pack("{s:s}", "error", why));
}

void engine_leg_drained(leg_t *leg)
{
	push_pump(&relay_engine, leg);
}

void engine_leg_updated(leg_t *leg)
{
	if(leg->active && leg->nremote > 0 && leg->state == LEG_WAITING
			&& !leg->conn) {
		leg->state = LEG_CONNECTING;
		relay_engine.io->connect(leg);
	}
}

void engine_leg_moved(leg_t *leg)
{
	engine_t *e = &relay_engine;

	if(leg->state == LEG_CLOSED || (!leg->conn && !leg->bound))
		return;
	ilog(msrp, LOG_INFO,
			"session %s leg %s: remote path now %s: the leg leaves its "
			"connection and waits to be bound again",
			leg->session->id, leg->id, leg->remote_path);
	/* what was in flight on the old connection is not carried over: its
	 * senders hear of it from the transaction timer or a failure REPORT */
	e->io->unbind(leg);
	leg->bound = 0;
	leg->state = LEG_WAITING;
	engine_leg_updated(leg);
}

/* session.c's hook: the leg is about to be freed. */
static void forget_leg(leg_t *leg, const char *why, void *arg)
{
	engine_t *e = arg;

	forward_forget_leg(e, leg);
	txn_forget_leg(e, leg);
	endpoint_forget_leg(e, leg);
	e->io->unbind(leg);
	(void)why;
}

void engine_tick(void)
{
	engine_t *e = &relay_engine;
	uint64_t now = e->io->now_ms();
	time_t t = time(NULL);
	txn_t *expired;

	while((expired = txn_expired(e, now)) != NULL) {
		stats_error("transaction_timeout");
		txn_done(e, expired, 408, "Request Timeout");
	}
	for(session_t *s = sessions_all(); s; s = s->hh.next) {
		if(s->idle_timeout_s && !s->idle_reported
				&& t - s->last_activity >= (time_t)s->idle_timeout_s) {
			s->idle_reported = 1;
			e->io->event("session_idle",
					json_pack("{s:s, s:I}", "session", s->id, "idle_s",
							(json_int_t)(t - s->last_activity)));
		}
	}
}

int engine_inject(leg_t *leg, const char *content_type, const void *body,
		size_t len, const char *message_id, int success_report,
		char *out_message_id, size_t idlen, char *err, size_t errlen)
{
	return push_inject(&relay_engine, leg, content_type, body, len, message_id,
			success_report, out_message_id, idlen, err, errlen);
}

int engine_report_body(leg_t *leg, const char *message_id, uint64_t total,
		int total_unknown, int code, const char *content_type, const void *body,
		size_t len, char *err, size_t errlen)
{
	msrp_report_body_t r = {NULL, NULL, NULL, message_id, 1, total, total,
			total_unknown, code, NULL};

	if(!leg_usable(leg)) {
		snprintf(err, errlen, "leg %s has no connected peer", leg->id);
		return -1;
	}
	if(ctx_leg_report_body(&relay_engine, leg, &r, content_type, body, len)
			< 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

const void *engine_stored_message(leg_t *leg, const char *message_id,
		size_t *len, const char **content_type)
{
	return store_find(leg, message_id, len, content_type);
}

int engine_release_message(leg_t *leg, const char *message_id)
{
	return store_release_message(&relay_engine, leg, message_id);
}

json_t *engine_leg_json(const leg_t *l)
{
	json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:I, s:I, s:I, "
						  "s:I, s:I, s:I}",
			"id", l->id, "local_path", l->local_path, "remote_path",
			l->remote_path, "state", leg_state_name(l->state), "setup",
			l->active ? "active" : "passive", "secure", l->secure, "cema",
			l->cema, "max_size", (json_int_t)l->max_size, "max_chunk",
			(json_int_t)l->max_chunk, "frames_in", (json_int_t)l->frames_in,
			"frames_out", (json_int_t)l->frames_out, "bytes_in",
			(json_int_t)l->bytes_in, "bytes_out", (json_int_t)l->bytes_out);
	if(l->identity[0])
		json_object_set_new(j, "identity", json_string(l->identity));
	if(l->display[0])
		json_object_set_new(j, "display", json_string(l->display));
	if(l->version[0])
		json_object_set_new(j, "version", json_string(l->version));
	if(l->accept_types[0])
		json_object_set_new(j, "accept_types", json_string(l->accept_types));
	if(l->fp_alg[0])
		json_object_set_new(j, "fingerprint",
				json_sprintf("%s %s", l->fp_alg, l->fp_hex));
	return j;
}

json_t *engine_stats(void)
{
	return json_pack("{s:I, s:I, s:I, s:I}", "sessions",
			(json_int_t)session_count(), "legs", (json_int_t)leg_count(),
			"transactions", (json_int_t)relay_engine.txns.count, "stored_bytes",
			(json_int_t)relay_engine.stored_bytes);
}
