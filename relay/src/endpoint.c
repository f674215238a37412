/*
 * The relay as an MSRP endpoint (deferred messages, OMA 12): it keeps the
 * whole messages a leg sends until Kamailio fetches them (message.get,
 * message.ack), and it sends the messages Kamailio gives it (push, system
 * messages), in order, reporting each one's fate. Nothing is dropped
 * without an answer: a message it cannot keep is refused with 413, one it
 * cannot deliver is reported failed.
 */
#include "endpoint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "log.h"
#include "msrp_write.h"
#include "stats.h"

#define INLINE_BODY_MAX (16 * 1024)

static void reject_store(rxframe_t *f, inmsg_t *m, int code, const char *why)
{
	if(m) {
		m->rejected = code;
		snprintf(m->reject_comment, sizeof(m->reject_comment), "%s", why);
	}
	f->respond = code;
	snprintf(f->respond_comment, sizeof(f->respond_comment), "%s", why);
	f->mode = BODY_DISCARD;
	stats_rejected(code);
}

int store_head(engine_t *e, rxframe_t *f)
{
	int created;
	inmsg_t *m = inmsg_get(e, f->leg, f->message_id, &created);

	if(!m) {
		reject_store(f, NULL, 413, "too many messages in progress");
		return -1;
	}
	f->msg = m;
	if(!created) {
		if(m->rejected) {
			reject_store(f, NULL, m->rejected, m->reject_comment);
			return -1;
		}
		f->mode = BODY_STORE;
		return 0;
	}
	snprintf(m->content_type, sizeof(m->content_type), "%s", f->content_type);
	m->success_report = f->success_report;
	m->failure_report = f->failure_report;
	m->total = f->range.total;
	m->total_unknown = f->range.total_unknown;
	if(!m->total_unknown && m->total > e->cfg.endpoint_max_message) {
		reject_store(f, m, 413, "message too large to store");
		return -1;
	}
	f->mode = BODY_STORE;
	return 0;
}

/* Byte-Range start tells where a chunk goes; the buffer grows as needed
 * up to endpoint_max_message, and all stores together up to
 * endpoint_store_max. */
void store_body(engine_t *e, rxframe_t *f, const char *data, size_t len)
{
	inmsg_t *m = f->msg;
	uint64_t at = f->range.start - 1 + f->body_seen;
	uint64_t need = at + len;

	if(len == 0)
		return;
	if(need > e->cfg.endpoint_max_message) {
		reject_store(f, m, 413, "message too large to store");
		return;
	}
	if(need > m->received) {
		uint64_t grow = need - m->received;
		if(e->stored_bytes + grow > e->cfg.endpoint_store_max) {
			ilog(session, LOG_WARN, "store full (%llu bytes): refusing %s",
					(unsigned long long)e->stored_bytes, m->message_id);
			reject_store(f, m, 413, "message store full");
			return;
		}
		char *p = realloc(m->data, need);
		if(!p) {
			reject_store(f, m, 413, "out of memory");
			return;
		}
		memset(p + m->received, 0, grow);
		m->data = p;
		e->stored_bytes += grow;
		m->received = need;
	}
	memcpy(m->data + at, data, len);
	m->got += len;
	f->leg->bytes_in += len;
}

void store_frame_done(engine_t *e, rxframe_t *f, char flag)
{
	inmsg_t *m = f->msg;
	leg_t *leg = f->leg;
	stored_msg_t *s;
	json_t *ev;

	if(!m || f->mode != BODY_STORE || flag == '+')
		return;
	if(flag == '#') {
		inmsg_free(e, leg, m);
		f->msg = NULL;
		return;
	}
	if(!m->total_unknown && m->got < m->total) {
		/* chunks still missing: wait for them */
		return;
	}
	HASH_FIND_STR(leg->received, m->message_id, s);
	if(s) {
		/* the same message again (a retransmission): keep the first */
		inmsg_free(e, leg, m);
		f->msg = NULL;
		return;
	}
	s = calloc(1, sizeof(*s));
	if(!s) {
		inmsg_free(e, leg, m);
		f->msg = NULL;
		f->respond = 413;
		return;
	}
	snprintf(s->message_id, sizeof(s->message_id), "%s", m->message_id);
	snprintf(s->content_type, sizeof(s->content_type), "%s", m->content_type);
	s->data = m->data;
	s->len = (size_t)m->received;
	m->data = NULL;
	HASH_ADD_STR(leg->received, message_id, s);

	ev = json_pack("{s:s, s:s, s:I}", "message_id", s->message_id,
			"content_type", s->content_type, "size", (json_int_t)s->len);
	if(s->len <= INLINE_BODY_MAX) {
		char *b64 = engine_base64(s->data, s->len);
		if(b64) {
			json_object_set_new(ev, "body_base64", json_string(b64));
			free(b64);
		}
	}
	ctx_leg_event(e, "message_received", leg, ev);
	if(m->success_report == MSRP_REPORT_YES)
		ctx_leg_report(e, leg, s->message_id, 1, s->len, s->len, 0, 200, NULL);
	inmsg_free(e, leg, m);
	f->msg = NULL;
}

const void *store_find(leg_t *leg, const char *message_id, size_t *len,
		const char **content_type)
{
	stored_msg_t *s;
	HASH_FIND_STR(leg->received, message_id, s);
	if(!s)
		return NULL;
	*len = s->len;
	*content_type = s->content_type;
	return s->data ? s->data : "";
}

static void stored_free(engine_t *e, leg_t *leg, stored_msg_t *s)
{
	HASH_DEL(leg->received, s);
	e->stored_bytes -= s->len;
	free(s->data);
	free(s);
}

int store_release_message(engine_t *e, leg_t *leg, const char *message_id)
{
	stored_msg_t *s;
	HASH_FIND_STR(leg->received, message_id, s);
	if(!s)
		return -1;
	stored_free(e, leg, s);
	return 0;
}

/* --- push: relay-originated messages --- */

static void push_remove(leg_t *leg, push_msg_t *p)
{
	txn_t *t, *tmp;

	for(push_msg_t **pp = &leg->push_head; *pp; pp = &(*pp)->next) {
		if(*pp == p) {
			*pp = p->next;
			break;
		}
	}
	leg->push_tail = NULL;
	for(push_msg_t *q = leg->push_head; q; q = q->next)
		leg->push_tail = q;
	HASH_ITER(hh, leg->txns, t, tmp)
		if(t->push == p)
			t->push = NULL;
	free(p->data);
	free(p);
}

static void push_report(
		engine_t *e, leg_t *leg, push_msg_t *p, int code, const char *why)
{
	ctx_leg_event(e, "delivery_report", leg,
			json_pack("{s:s, s:i, s:s, s:s}", "message_id", p->message_id,
					"code", code, "reason", why, "origin", "relay"));
	push_remove(leg, p);
}

int push_inject(engine_t *e, leg_t *leg, const char *content_type,
		const void *body, size_t len, const char *message_id,
		int success_report, char *out_message_id, size_t idlen, char *err,
		size_t errlen)
{
	push_msg_t *p;

	if(!leg_usable(leg)) {
		snprintf(err, errlen, "leg %s is closed", leg->id);
		return -1;
	}
	if(!content_type || !content_type[0] || strlen(content_type) >= CT_MAX
			|| strpbrk(content_type, "\r\n")) {
		snprintf(err, errlen, "content_type missing or invalid");
		return -1;
	}
	if(message_id && (strlen(message_id) >= MID_MAX || !message_id[0]
							 || strpbrk(message_id, " \r\n"))) {
		snprintf(err, errlen, "message_id invalid");
		return -1;
	}
	/* idempotent: the same message id queued twice is one message */
	if(message_id) {
		for(p = leg->push_head; p; p = p->next) {
			if(strcmp(p->message_id, message_id) == 0) {
				snprintf(out_message_id, idlen, "%s", message_id);
				return 0;
			}
		}
	}
	p = calloc(1, sizeof(*p));
	if(!p || (len && !(p->data = malloc(len)))) {
		free(p);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if(message_id)
		snprintf(p->message_id, sizeof(p->message_id), "%s", message_id);
	else {
		char mid[25];
		msrp_new_message_id(mid);
		snprintf(p->message_id, sizeof(p->message_id), "%s", mid);
	}
	snprintf(p->content_type, sizeof(p->content_type), "%s", content_type);
	if(len)
		memcpy(p->data, body, len);
	p->len = len;
	p->success_report = success_report;
	if(leg->push_tail)
		leg->push_tail->next = p;
	else
		leg->push_head = p;
	leg->push_tail = p;
	snprintf(out_message_id, idlen, "%s", p->message_id);
	push_pump(e, leg);
	return 0;
}

/* Sends what the queue holds, in order, as far as the output queue allows. */
void push_pump(engine_t *e, leg_t *leg)
{
	for(push_msg_t *p = leg->push_head; p; p = p->next) {
		if(leg->state != LEG_CONNECTED)
			return;
		while(p->sent < p->len || (p->len == 0 && p->pieces_out == 0
										  && !p->report_pending && p->sent == 0
										  && !p->failed)) {
			msrp_send_head_t h = {0};
			char tid[17];
			size_t piece = p->len - p->sent, n;
			txn_t *t;

			if(e->io->leg_queued(leg) >= e->cfg.max_queue)
				return;
			if(piece > leg->max_chunk)
				piece = leg->max_chunk;
			msrp_new_tid(tid);
			h.tid = tid;
			h.to_path = leg->remote_path;
			h.from_path = leg->local_path;
			h.message_id = p->message_id;
			h.start = p->sent + 1;
			h.end = p->sent + piece;
			h.total = p->len;
			h.success_report = p->success_report;
			h.failure_report = -1;
			h.content_type = p->content_type;
			n = msrp_write_send_head(e->scratch, sizeof(e->scratch), &h);
			if(n == 0)
				return;
			t = txn_start(e, leg, TXN_INJECT, tid);
			if(!t)
				return;
			t->push = p;
			snprintf(t->message_id, sizeof(t->message_id), "%s", p->message_id);
			e->io->leg_write(leg, e->scratch, n);
			if(piece)
				e->io->leg_write(leg, p->data + p->sent, piece);
			p->sent += piece;
			n = msrp_write_end_line(e->scratch, sizeof(e->scratch), tid,
					p->sent == p->len ? '$' : '+', 1);
			e->io->leg_write(leg, e->scratch, n);
			p->pieces_out++;
			leg->frames_out++;
			leg->bytes_out += piece;
			relay_stats.frames_out++;
			if(p->len == 0)
				break;
		}
	}
}

void push_on_txn_done(engine_t *e, txn_t *t, int code, const char *comment)
{
	push_msg_t *p = t->push;
	leg_t *leg = t->leg;

	if(!p)
		return;
	p->pieces_out--;
	if(code != 200) {
		t->push = NULL;
		push_report(e, leg, p, code,
				comment && comment[0] ? comment : msrp_status_comment(code));
		return;
	}
	if(p->sent == p->len && p->pieces_out == 0) {
		if(p->success_report)
			p->report_pending = 1;
		else {
			t->push = NULL;
			push_report(e, leg, p, 200, "sent");
		}
	}
}

int push_on_report(engine_t *e, leg_t *leg, rxframe_t *f)
{
	for(push_msg_t *p = leg->push_head; p; p = p->next) {
		if(strcmp(p->message_id, f->message_id) != 0)
			continue;
		if(f->report_code == 200 && !(p->sent == p->len && p->pieces_out == 0))
			return 1; /* a partial success report: wait for the rest */
		push_report(e, leg, p, f->report_code,
				f->report_code == 200
						? "delivered"
						: (f->report_comment[0]
										? f->report_comment
										: msrp_status_comment(f->report_code)));
		return 1;
	}
	return 0;
}

void endpoint_forget_leg(engine_t *e, leg_t *leg)
{
	stored_msg_t *s, *tmp;

	HASH_ITER(hh, leg->received, s, tmp)
		stored_free(e, leg, s);
	/* what was not delivered is said so, never just dropped */
	while(leg->push_head)
		push_report(e, leg, leg->push_head, 481, "leg removed");
}
