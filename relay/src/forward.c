/*
 * Bridge and conference forwarding: who gets a message (UP-1, MS-3, MS-4),
 * and the pieces that carry it there, cut-through and re-chunked to the
 * destinations' max_chunk. Each piece is a whole frame with a transaction
 * of its own, so frames from several senders interleave cleanly on one
 * output connection.
 */
#include "forward.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "im_cpim.h"
#include "im_uri.h"
#include "log.h"
#include "msrp_write.h"
#include "stats.h"

/* a=accept-types (RFC 4975 8.6): a star takes anything, "type/" + star a whole
 * type; parameters of the content type are ignored. An empty list (not
 * negotiated) takes anything. */
static int type_accepted(const char *accept, const char *ct)
{
	size_t ctlen = strcspn(ct, "; \t");
	const char *slash = memchr(ct, '/', ctlen);
	const char *p = accept;

	if(!accept[0])
		return 1;
	while(*p) {
		size_t n;
		while(*p == ' ')
			p++;
		n = strcspn(p, " ");
		if(n == 1 && p[0] == '*')
			return 1;
		if(n == ctlen && strncasecmp(p, ct, n) == 0)
			return 1;
		if(slash && n >= 2 && p[n - 1] == '*' && p[n - 2] == '/'
				&& (size_t)(slash - ct) == n - 2 && strncasecmp(p, ct, n - 2) == 0)
			return 1;
		p += n;
	}
	return 0;
}

static leg_t *other_leg(leg_t *leg)
{
	for(leg_t *l = leg->session->legs; l; l = l->next)
		if(l != leg)
			return l;
	return NULL;
}

/*
 * Splice: a conference leg whose peer is a participant's bridge in this
 * very relay (the participating function's B2BUA in front of the switch,
 * joined by an in-process connection). That bridge would only answer each
 * piece and send it again on its other leg; the switch writes it there
 * itself, with that leg's paths and a transaction of its own that counts
 * for the conference leg. Half the frames to write, parse and answer per
 * delivery. REPORTs from the participant still come back through the
 * bridge.
 *
 * The bridge leg beyond conference leg d, or NULL. A message is spliced
 * from its first piece only when nothing is on its way to that bridge, so
 * that it cannot overtake a message sent through it.
 */
static leg_t *splice_target(engine_t *e, leg_t *d, int need_idle)
{
	int idle;
	leg_t *b, *o;

	if(!e->io->leg_local_peer || d->state != LEG_CONNECTED)
		return NULL;
	b = e->io->leg_local_peer(d, &idle);
	if(!b || b->session->type != SESSION_BRIDGE || b->state != LEG_CONNECTED)
		return NULL;
	if(need_idle && (!idle || b->inmsgs))
		return NULL;
	o = other_leg(b);
	return o && leg_negotiated(o) && o->state == LEG_CONNECTED ? o : NULL;
}

enum { SPLICE_NO = 0, SPLICE_YES, SPLICE_LOST };

/* Where dest i's pieces are written: the dest, the bridge leg beyond it,
 * or nowhere (NULL: the spliced bridge leg went away). */
static leg_t *dest_out(engine_t *e, inmsg_t *m, int i)
{
	switch(m->spliced[i]) {
		case SPLICE_YES:
			return splice_target(e, m->dests[i], 0);
		case SPLICE_LOST:
			return NULL;
		default:
			return m->dests[i];
	}
}

/* The message goes to dests; a conference's (ct: the message's content
 * type) may be spliced to the bridges beyond them. */
static int set_dests(
		engine_t *e, inmsg_t *m, leg_t **dests, int n, const char *ct)
{
	if(m->dests != m->inline_dests)
		free(m->dests);
	m->dests = NULL;
	m->spliced = NULL;
	m->ndests = 0;
	m->chunk = e->cfg.default_max_chunk;
	if(n == 0)
		return 0;
	if(n <= INLINE_DESTS) {
		m->dests = m->inline_dests;
		m->spliced = m->inline_spliced;
	} else {
		m->dests = malloc((sizeof(*dests) + 1) * (size_t)n);
		if(!m->dests)
			return -1;
		m->spliced = (unsigned char *)(m->dests + n);
	}
	memcpy(m->dests, dests, sizeof(*dests) * (size_t)n);
	m->ndests = n;
	m->chunk = SIZE_MAX;
	for(int i = 0; i < n; i++) {
		leg_t *o = ct ? splice_target(e, dests[i], 1) : NULL;
		if(o && !type_accepted(o->accept_types, ct))
			o = NULL; /* its bridge refuses it, as it would have */
		m->spliced[i] = o ? SPLICE_YES : SPLICE_NO;
		if(!o)
			o = dests[i];
		if(o->max_chunk < m->chunk)
			m->chunk = o->max_chunk;
	}
	return 0;
}

static void reject_message(rxframe_t *f, inmsg_t *m, int code,
		const char *comment)
{
	m->rejected = code;
	snprintf(m->reject_comment, sizeof(m->reject_comment), "%s", comment);
	f->respond = code;
	snprintf(f->respond_comment, sizeof(f->respond_comment), "%s", comment);
	f->mode = BODY_DISCARD;
	stats_rejected(code);
}

int forward_send_head(engine_t *e, rxframe_t *f)
{
	leg_t *leg = f->leg;
	session_t *s = leg->session;
	int created;
	inmsg_t *m = inmsg_get(e, leg, f->message_id, &created);

	if(!m) {
		f->respond = 413;
		snprintf(f->respond_comment, sizeof(f->respond_comment),
				"too many messages in progress");
		stats_rejected(413);
		return -1;
	}
	f->msg = m;
	if(!created) {
		if(m->rejected) {
			f->respond = m->rejected;
			snprintf(f->respond_comment, sizeof(f->respond_comment), "%s",
					m->reject_comment);
			f->mode = BODY_DISCARD;
			return 0;
		}
		f->mode = BODY_FORWARD;
		return 0;
	}
	m->success_report = f->success_report;
	m->failure_report = f->failure_report;
	m->total = f->range.total;
	m->total_unknown = f->range.total_unknown;

	if(s->type == SESSION_BRIDGE) {
		leg_t *o = other_leg(leg);
		if(!leg_usable(o)) {
			reject_message(f, m, 481, "the other leg is gone");
			return 0;
		}
		if(!leg_negotiated(o)) {
			reject_message(f, m, 481, "the other leg is not connected yet");
			return 0;
		}
		if(!type_accepted(o->accept_types, f->content_type)) {
			reject_message(f, m, 415, "the peer does not accept this type");
			return 0;
		}
		set_dests(e, m, &o, 1, NULL);
		f->mode = BODY_FORWARD;
		return 0;
	}
	/* conference */
	if(strncasecmp(f->content_type, "message/cpim", 12) == 0) {
		if(f->range.start != 1) {
			reject_message(f, m, 400, "first chunk (CPIM headers) not seen");
			return 0;
		}
		f->mode = BODY_CPIM_WAIT;
		return 0;
	}
	if(!s->allow_non_cpim) {
		reject_message(f, m, 415, "conferences carry message/cpim");
		return 0;
	}
	/* D-18 exception: the MSRP session identifies the sender */
	leg_t *all[256];
	int n = 0;
	for(leg_t *l = s->legs; l && n < 256; l = l->next)
		if(l != leg && leg_negotiated(l))
			all[n++] = l;
	set_dests(e, m, all, n, f->content_type);
	f->mode = BODY_FORWARD;
	return 0;
}

static void delivery_event(engine_t *e, leg_t *recipient, const char *mid,
		int code, const char *reason, leg_t *sender)
{
	json_t *d = json_pack("{s:s, s:i, s:s}", "message_id", mid, "code", code,
			"reason", reason);
	if(sender)
		json_object_set_new(d, "sender", json_string(sender->id));
	ctx_leg_event(e, "delivery_report", recipient, d);
}

/* C-8: recipient is named for msg's final report; Kamailio also learns
 * whether the sender asked for MSRP REPORTs (the report then goes in one,
 * OMA TS 5.7.3) and the message's size for its Byte-Range. */
static void final_report_requested(engine_t *e, leg_t *recipient,
		const inmsg_t *m, const rxframe_t *f, leg_t *sender)
{
	json_t *d = json_pack("{s:s, s:i, s:s, s:s, s:b}", "message_id",
			m->message_id, "code", 100, "reason", "final report requested",
			"sender", sender->id, "sender_reports",
			f->success_report == MSRP_REPORT_YES);

	if(d && !m->total_unknown)
		json_object_set_new(d, "total", json_integer((json_int_t)m->total));
	ctx_leg_event(e, "delivery_report", recipient, d);
}

static leg_t *leg_by_identity(session_t *s, im_span_t uri)
{
	for(leg_t *l = s->legs; l; l = l->next) {
		im_span_t id = {l->identity, strlen(l->identity)};
		if(l->identity[0] && im_uri_same(id, uri))
			return l;
	}
	return NULL;
}

rx_result_t conference_cpim(engine_t *e, rxframe_t *f, const char *body,
		size_t len, int at_end, size_t *want)
{
	leg_t *leg = f->leg;
	session_t *s = leg->session;
	inmsg_t *m = f->msg;
	im_cpim_head_t h;
	leg_t *dests[256];
	int n = 0, r = im_cpim_parse_head(body, len, &h);
	im_span_t from, sender_id = {leg->identity, strlen(leg->identity)};

	if(r == 0 && !at_end && len < e->cfg.cpim_head_max) {
		*want = len + 1;
		return RX_NEED_MORE;
	}
	if(r <= 0) {
		reject_message(f, m, 400, "no valid CPIM headers");
		return RX_OK;
	}
	/* MS-3 1: the CPIM From is the sender as the session knows it */
	from = im_nameaddr_uri(h.from);
	if(!leg->identity[0] || !im_uri_same(from, sender_id)) {
		ilog(msrp, LOG_WARN, "session %s leg %s: CPIM From %.*s is not %s",
				s->id, leg->id, (int)from.len, from.p, leg->identity);
		stats_error("cpim_from_mismatch");
		reject_message(f, m, 403, "CPIM From is not the sender");
		return RX_OK;
	}
	im_span_t session_id = {s->identity, strlen(s->identity)};
	int broadcast = h.nto == 0;
	for(int i = 0; i < h.nto && !broadcast; i++)
		if(s->identity[0] && im_uri_same(im_nameaddr_uri(h.to[i]), session_id))
			broadcast = 1;

	if(broadcast) {
		/* an invitee whose answer has not come is not in it yet */
		for(leg_t *l = s->legs; l && n < 256; l = l->next)
			if(l != leg && leg_negotiated(l))
				dests[n++] = l;
	} else {
		/* MS-4: a private message */
		if(!s->private_messages) {
			reject_message(f, m, 403, "private messages not allowed");
			return RX_OK;
		}
		for(int i = 0; i < h.nto; i++) {
			leg_t *to = leg_by_identity(s, im_nameaddr_uri(h.to[i]));
			if(!to || to == leg || !leg_negotiated(to)) {
				reject_message(f, m, 403, "recipient not in the session");
				return RX_OK;
			}
			/* UP-3: the next node must be an OMA IM client or server */
			if(!im_has_oma_im_token(to->version)) {
				reject_message(f, m, 403,
						"recipient cannot take private messages");
				return RX_OK;
			}
			dests[n++] = to;
		}
	}
	/* C-8: Kamailio writes the final report; it learns here who the
	 * recipients are, and each one's outcome from the events that follow
	 * (REPORTs: the SENDs ask for success reports) */
	m->final_report = h.final_report;
	for(int i = 0; i < n && m->final_report; i++)
		final_report_requested(e, dests[i], m, f, leg);
	/* MS-3 2: too big for a recipient's a=max-size: skip and report;
	 * the same for a recipient that does not take message/cpim */
	int kept = 0;
	for(int i = 0; i < n; i++) {
		if(dests[i]->max_size && !m->total_unknown
				&& m->total > dests[i]->max_size) {
			char why[COMMENT_MAX];
			char size[32];
			snprintf(size, sizeof(size), "max-size %llu",
					(unsigned long long)dests[i]->max_size);
			delivery_event(e, dests[i], m->message_id, 413, size, leg);
			/* NNI-18: the sender hears of it in a failure REPORT */
			snprintf(why, sizeof(why), "max-size of %.*s", (int)sizeof(why) - 20,
					dests[i]->identity);
			if(m->failure_report != MSRP_REPORT_NO)
				ctx_leg_report(e, leg, m->message_id, 1, m->total, m->total, 0,
						413, why);
			continue;
		}
		if(!type_accepted(dests[i]->accept_types, f->content_type)) {
			delivery_event(
					e, dests[i], m->message_id, 415, "accept-types", leg);
			continue;
		}
		dests[kept++] = dests[i];
	}
	if(set_dests(e, m, dests, kept, f->content_type) < 0) {
		reject_message(f, m, 413, "out of memory");
		return RX_OK;
	}
	f->mode = BODY_FORWARD;
	return RX_OK;
}

static int dests_ready(engine_t *e, inmsg_t *m)
{
	for(int i = 0; i < m->ndests; i++) {
		leg_t *out = dest_out(e, m, i);
		size_t q;
		if(!leg_usable(out))
			continue;
		q = e->io->leg_queued(out);
		stats_queue_seen(q);
		if(q >= e->cfg.max_queue)
			return 0;
	}
	return 1;
}

/* One piece, a whole frame, to every destination; the body is either a
 * shared buffer (referenced by each output) or plain bytes (copied). */
static void emit_piece(engine_t *e, rxframe_t *f, uint64_t start,
		shared_buf_t *shared, const char *data, size_t len, char flag)
{
	inmsg_t *m = f->msg;
	msrp_send_head_t h = {0};

	h.message_id = m->message_id;
	h.start = start;
	h.end = start + len - 1;
	h.total = m->total;
	h.total_unknown = m->total_unknown;
	h.success_report = f->success_report == MSRP_REPORT_YES || m->final_report;
	h.failure_report = -1; /* default: we want to hear about failures */
	h.mime_headers = f->mime;
	h.mime_len = f->mime_len;
	h.content_type = f->content_type;
	for(int i = 0; i < m->ndests; i++) {
		leg_t *d = m->dests[i], *out = dest_out(e, m, i);
		char tid[17];
		size_t n;
		txn_t *t;

		if(!out && m->spliced[i] == SPLICE_YES) {
			/* what the bridge would have answered without its other leg */
			m->spliced[i] = SPLICE_LOST;
			delivery_event(e, d, m->message_id, 481,
					"the participant's bridge leg is gone", f->leg);
		}
		if(!leg_usable(out))
			continue;
		msrp_new_tid(tid);
		h.tid = tid;
		h.to_path = out->remote_path;
		h.from_path = out->local_path;
		n = msrp_write_send_head(e->scratch, sizeof(e->scratch), &h);
		if(n == 0) {
			ilog(msrp, LOG_ERR, "session %s: head for leg %s too long",
					out->session->id, out->id);
			continue;
		}
		/* a small piece goes out as one write: head, body and end-line */
		if(!shared && len <= 4096
				&& n + len + MSRP_END_LINE_MAX < sizeof(e->scratch)) {
			memcpy(e->scratch + n, data, len);
			n += len;
			n += msrp_write_end_line(
					e->scratch + n, sizeof(e->scratch) - n, tid, flag, 1);
		}
		t = txn_start(e, out, TXN_FORWARD, tid);
		if(t) {
			t->origin = f->leg;
			t->spliced = out != d;
			t->via = t->spliced ? d : NULL;
			snprintf(t->message_id, sizeof(t->message_id), "%s",
					m->message_id);
			t->start = start;
			t->end = start + len - 1;
			t->total = m->total;
			t->total_unknown = m->total_unknown;
			t->failure_report = m->failure_report;
		}
		e->io->leg_write(out, e->scratch, n);
		if(shared || len > 4096) {
			if(shared && len)
				e->io->leg_write_shared(out, shared);
			else if(len)
				e->io->leg_write(out, data, len);
			n = msrp_write_end_line(
					e->scratch, sizeof(e->scratch), tid, flag, 1);
			e->io->leg_write(out, e->scratch, n);
		}
		d->frames_out++;
		d->bytes_out += len;
		if(out != d) {
			out->frames_out++;
			out->bytes_out += len;
			/* the bridge carried it, as far as its idle timer is concerned */
			out->session->last_activity = d->session->last_activity;
			out->session->idle_reported = 0;
			relay_stats.frames_spliced++;
		}
		relay_stats.frames_out++;
	}
	m->forwarded += len;
}

/* Body bytes still to come in this frame, when its Byte-Range says. */
static int known_remaining(const rxframe_t *f, uint64_t seen, uint64_t *left)
{
	uint64_t len;

	if(!msrp_range_len(&f->range, &len))
		return 0;
	/* the engine cuts a body at its Byte-Range length (body_limit) */
	*left = len - seen;
	return 1;
}

void forward_drop_stage(rxframe_t *f)
{
	if(f->stage)
		shared_buf_unref(f->stage);
	f->stage = NULL;
}

static rx_result_t emit_stage(engine_t *e, rxframe_t *f, char flag)
{
	shared_buf_t *b = f->stage;

	if(!dests_ready(e, f->msg))
		return RX_PAUSED;
	emit_piece(e, f, f->stage_start, b, NULL, b->len, flag);
	f->leg->bytes_in += b->len;
	forward_drop_stage(f);
	return RX_OK;
}

/* Bytes are gathered into a piece of at most m->chunk (one copy), and a
 * piece goes out as soon as it is full and more body is known to follow,
 * or at the end-line with the frame's flag: cut-through, without holding
 * a chunk in the input buffer. */
rx_result_t forward_body(engine_t *e, rxframe_t *f, const char *data,
		size_t body_len, int at_end, char flag, size_t *consumed)
{
	inmsg_t *m = f->msg;
	size_t off = 0;
	uint64_t left;

	*consumed = 0;
	if(at_end && body_len == 0 && f->body_seen == 0 && !f->stage) {
		if(!dests_ready(e, m))
			return RX_PAUSED;
		emit_piece(e, f, f->range.start, NULL, "", 0, flag);
		return RX_OK;
	}
	/* the rest of the frame is all here and fits one piece: no staging */
	if(at_end && !f->stage && body_len <= m->chunk && body_len) {
		if(!dests_ready(e, m))
			return RX_PAUSED;
		emit_piece(e, f, f->range.start + f->body_seen, NULL, data, body_len,
				flag);
		f->leg->bytes_in += body_len;
		*consumed = body_len;
		return RX_OK;
	}
	for(;;) {
		if(f->stage && f->stage->len == f->stage->cap) {
			int more = off < body_len
					   || (!at_end
							   && known_remaining(f, f->body_seen + off, &left)
							   && left > 0);
			if(more || at_end) {
				if(emit_stage(e, f, more ? '+' : flag) == RX_PAUSED) {
					*consumed = off;
					return RX_PAUSED;
				}
				if(!more)
					break;
				continue;
			}
			break; /* full, and whether the end follows is not known */
		}
		if(off == body_len) {
			if(at_end && f->stage && emit_stage(e, f, flag) == RX_PAUSED) {
				*consumed = off;
				return RX_PAUSED;
			}
			break;
		}
		if(!f->stage) {
			/* sized to what this frame still brings, when known: a small
			 * message does not take a whole chunk of memory */
			size_t cap = m->chunk;
			if(known_remaining(f, f->body_seen + off, &left) && left < cap)
				cap = left ? (size_t)left : 1;
			f->stage = shared_buf_new(cap);
			if(!f->stage)
				break;
			f->stage_start = f->range.start + f->body_seen + off;
		}
		size_t take = f->stage->cap - f->stage->len;
		if(take > body_len - off)
			take = body_len - off;
		memcpy(f->stage->data + f->stage->len, data + off, take);
		f->stage->len += take;
		off += take;
	}
	*consumed = off;
	return RX_OK;
}

void forward_frame_done(engine_t *e, rxframe_t *f, char flag)
{
	inmsg_t *m = f->msg;
	leg_t *leg = f->leg;

	if(!m || flag == '+')
		return;
	/* The switch is the far end of the sender's session: it confirms a
	 * whole message itself; recipients' REPORTs are only recorded. */
	if(flag == '$' && leg->session->type == SESSION_CONFERENCE
			&& m->success_report == MSRP_REPORT_YES && !m->rejected) {
		uint64_t total = m->total_unknown ? m->forwarded : m->total;
		ctx_leg_report(e, leg, m->message_id, 1, total, total, 0, 200, NULL);
	}
	inmsg_free(e, leg, m);
	f->msg = NULL;
}

void forward_abort(engine_t *e, rxframe_t *f)
{
	inmsg_t *m = f->msg;

	if(!m)
		return;
	/* the sender vanished mid-chunk: end the message where it stopped,
	 * with what was gathered */
	if(f->stage && f->stage->len)
		emit_piece(e, f, f->stage_start, f->stage, NULL, f->stage->len, '#');
	else if(m->forwarded)
		emit_piece(e, f, f->range.start + f->body_seen, NULL, "", 0, '#');
	forward_drop_stage(f);
	inmsg_free(e, f->leg, m);
	f->msg = NULL;
}

void forward_report(engine_t *e, rxframe_t *f)
{
	leg_t *leg = f->leg;
	session_t *s = leg->session;
	uint64_t end = f->range.end_unknown ? f->range.start : f->range.end;

	switch(s->type) {
		case SESSION_BRIDGE: {
			/* UP-2: back to the sender, on its own hop */
			leg_t *o = other_leg(leg);
			if(!leg_usable(o))
				break;
			if(f->report_body) {
				msrp_report_body_t r = {NULL, NULL, NULL, f->message_id,
						f->range.start, end, f->range.total,
						f->range.total_unknown, f->report_code,
						f->report_comment[0] ? f->report_comment : NULL};
				ctx_leg_report_body(e, o, &r, f->content_type, f->report_body,
						f->report_len);
			} else {
				ctx_leg_report(e, o, f->message_id, f->range.start, end,
						f->range.total, f->range.total_unknown, f->report_code,
						f->report_comment);
			}
			break;
		}
		case SESSION_CONFERENCE:
			delivery_event(e, leg, f->message_id, f->report_code,
					f->report_comment[0] ? f->report_comment : "report", NULL);
			break;
		case SESSION_ENDPOINT:
			break;
	}
}

void forward_forget_leg(engine_t *e, leg_t *leg)
{
	inmsg_t *m, *tmp;

	HASH_ITER(hh, leg->inmsgs, m, tmp)
		inmsg_free(e, leg, m);
	/* nobody forwards to it any more */
	for(leg_t *l = leg->session->legs; l; l = l->next) {
		HASH_ITER(hh, l->inmsgs, m, tmp)
		{
			int k = 0;
			for(int i = 0; i < m->ndests; i++) {
				if(m->dests[i] == leg)
					continue;
				m->spliced[k] = m->spliced[i];
				m->dests[k++] = m->dests[i];
			}
			m->ndests = k;
		}
	}
}

/* A forwarded piece failed: the sender hears of it in a failure REPORT
 * when it asked for one (bridge), Kamailio in a delivery report
 * (conference). */
void forward_txn_done(engine_t *e, txn_t *t, int code, const char *comment)
{
	/* a spliced piece is the conference leg's; its bridge was passed by */
	leg_t *leg = t->spliced ? t->via : t->leg;

	if(code == 200 || !leg)
		return;
	ilog(msrp, LOG_INFO, "session %s leg %s: %s %llu-%llu answered %d",
			leg->session->id, leg->id, t->message_id,
			(unsigned long long)t->start, (unsigned long long)t->end, code);
	if(leg->session->type == SESSION_CONFERENCE) {
		json_t *d = json_pack("{s:s, s:i, s:s}", "message_id", t->message_id,
				"code", code, "reason",
				comment && comment[0] ? comment : msrp_status_comment(code));
		if(t->origin)
			json_object_set_new(d, "sender", json_string(t->origin->id));
		ctx_leg_event(e, "delivery_report", leg, d);
	} else if(leg_usable(t->origin) && t->failure_report != MSRP_REPORT_NO) {
		ctx_leg_report(e, t->origin, t->message_id, t->start, t->end, t->total,
				t->total_unknown, code, comment);
	}
}
