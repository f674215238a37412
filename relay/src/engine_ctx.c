/*
 * What every part of the engine sends besides forwarded frames: events
 * about a leg to Kamailio, and REPORTs of its own on a leg.
 */
#include "engine_ctx.h"

#include <stdlib.h>
#include <string.h>

#include "msrp_write.h"
#include "stats.h"

void ctx_leg_event(engine_t *e, const char *type, leg_t *leg, json_t *extra)
{
	json_t *data = extra ? extra : json_object();
	json_object_set_new(data, "session", json_string(leg->session->id));
	json_object_set_new(data, "leg", json_string(leg->id));
	e->io->event(type, data);
}

void ctx_leg_report(engine_t *e, leg_t *to, const char *mid, uint64_t start,
		uint64_t end, uint64_t total, int total_unknown, int code,
		const char *comment)
{
	char tid[17];
	size_t n;

	msrp_new_tid(tid);
	n = msrp_write_report(e->scratch, sizeof(e->scratch), tid, to->remote_path,
			to->local_path, mid, start, end, total, total_unknown, code,
			comment && comment[0] ? comment : NULL);
	if(n) {
		e->io->leg_write(to, e->scratch, n);
		to->frames_out++;
		relay_stats.frames_out++;
	}
}

int ctx_leg_report_body(engine_t *e, leg_t *to, const msrp_report_body_t *r,
		const char *content_type, const void *body, size_t len)
{
	char tid[17];
	msrp_report_body_t x = *r;
	size_t cap = len + strlen(to->remote_path) + strlen(to->local_path)
				 + strlen(r->message_id) + strlen(content_type)
				 + (r->comment ? strlen(r->comment) : 0) + 256;
	char *out = malloc(cap);
	size_t n;

	if(!out)
		return -1;
	msrp_new_tid(tid);
	x.tid = tid;
	x.to_path = to->remote_path;
	x.from_path = to->local_path;
	n = msrp_write_report_body(out, cap, &x, content_type, body, len);
	if(n) {
		e->io->leg_write(to, out, n);
		to->frames_out++;
		relay_stats.frames_out++;
	}
	free(out);
	return n ? 0 : -1;
}
