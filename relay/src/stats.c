#include "stats.h"
#include <stdarg.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session.h"

relay_stats_t relay_stats;

static json_t *(*engine_source)(void);

void stats_set_engine_source(json_t *(*engine_json)(void))
{
	engine_source = engine_json;
}

void stats_frame_in(msrp_method_t m)
{
	relay_stats.frames_in[m]++;
}

void stats_response_sent(int code)
{
	if(code >= 100 && code < 1000)
		relay_stats.responses_sent[code / 100]++;
}

void stats_rejected(int code)
{
	if(code >= 100 && code < 1000)
		relay_stats.rejected[code / 100]++;
}

void stats_error(const char *kind)
{
#define X(k)                     \
	if(strcmp(kind, #k) == 0) {  \
		relay_stats.err_##k++;   \
		return;                  \
	}
	STATS_ERROR_KINDS(X)
#undef X
}

void stats_queue_seen(size_t queued)
{
	if(queued > relay_stats.queue_high_water)
		relay_stats.queue_high_water = queued;
}

json_t *stats_json(void)
{
	json_t *frames = json_object(), *errors = json_object();
	json_t *responses = json_object(), *rejected = json_object();
	char key[16];

	for(int m = MSRP_RESPONSE; m <= MSRP_UNKNOWN_METHOD; m++)
		json_object_set_new(frames, msrp_method_name((msrp_method_t)m),
				json_integer((json_int_t)relay_stats.frames_in[m]));
	for(int i = 1; i < 10; i++) {
		snprintf(key, sizeof(key), "%dxx", i);
		if(relay_stats.responses_sent[i])
			json_object_set_new(responses, key,
					json_integer((json_int_t)relay_stats.responses_sent[i]));
		if(relay_stats.rejected[i])
			json_object_set_new(rejected, key,
					json_integer((json_int_t)relay_stats.rejected[i]));
	}
#define X(k) json_object_set_new(errors, #k, json_integer((json_int_t)relay_stats.err_##k));
	STATS_ERROR_KINDS(X)
#undef X
	json_t *j = json_pack("{s:o, s:I, s:I, s:o, s:o, s:o, s:I, s:I, s:I, "
						  "s:I, s:I, s:I, s:I, s:I}",
			"frames_in", frames, "frames_out",
			(json_int_t)relay_stats.frames_out, "frames_spliced",
			(json_int_t)relay_stats.frames_spliced, "responses_sent", responses,
			"rejected", rejected, "errors", errors, "bytes_in",
			(json_int_t)relay_stats.bytes_in, "bytes_out",
			(json_int_t)relay_stats.bytes_out, "connections_accepted",
			(json_int_t)relay_stats.conns_accepted, "connections_local",
			(json_int_t)relay_stats.conns_local, "connections_connected",
			(json_int_t)relay_stats.conns_connected, "connections_open",
			(json_int_t)relay_stats.conns_open, "queue_high_water_bytes",
			(json_int_t)relay_stats.queue_high_water, "pauses",
			(json_int_t)relay_stats.pauses);
	if(engine_source)
		json_object_set_new(j, "engine", engine_source());
	return j;
}

typedef struct pbuf {
	char *p;
	size_t len, cap;
} pbuf_t;

static void pb_printf(pbuf_t *b, const char *fmt, ...)
		__attribute__((format(printf, 2, 3)));

static void pb_printf(pbuf_t *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for(;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if(n >= 0 && (size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		b->cap = b->cap * 2 + (size_t)(n > 0 ? n : 0);
		b->p = realloc(b->p, b->cap);
	}
}

static void metric(pbuf_t *b, const char *name, const char *type,
		const char *help, uint64_t v)
{
	pb_printf(b, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", name, help, name,
			type, name, (unsigned long long)v);
}

char *stats_prometheus(void)
{
	pbuf_t b = {malloc(4096), 0, 4096};
	size_t per_type[3] = {0, 0, 0};

	for(session_t *s = sessions_all(); s; s = s->hh.next)
		per_type[s->type]++;
	pb_printf(&b, "# HELP imrelay_sessions Sessions by type.\n"
				  "# TYPE imrelay_sessions gauge\n");
	for(int t = 0; t < 3; t++)
		pb_printf(&b, "imrelay_sessions{type=\"%s\"} %zu\n",
				session_type_name((session_type_t)t), per_type[t]);
	metric(&b, "imrelay_legs", "gauge", "Legs of all sessions.", leg_count());
	pb_printf(&b, "# HELP imrelay_frames_in_total MSRP frames received.\n"
				  "# TYPE imrelay_frames_in_total counter\n");
	for(int m = MSRP_RESPONSE; m <= MSRP_UNKNOWN_METHOD; m++)
		pb_printf(&b, "imrelay_frames_in_total{method=\"%s\"} %llu\n",
				msrp_method_name((msrp_method_t)m),
				(unsigned long long)relay_stats.frames_in[m]);
	metric(&b, "imrelay_frames_out_total", "counter", "MSRP frames sent.",
			relay_stats.frames_out);
	metric(&b, "imrelay_bytes_in_total", "counter",
			"Bytes received on MSRP connections.", relay_stats.bytes_in);
	metric(&b, "imrelay_bytes_out_total", "counter",
			"Bytes sent on MSRP connections.", relay_stats.bytes_out);
	pb_printf(&b, "# HELP imrelay_errors_total Errors by kind.\n"
				  "# TYPE imrelay_errors_total counter\n");
#define X(k)                                                           \
	pb_printf(&b, "imrelay_errors_total{kind=\"%s\"} %llu\n", #k, \
			(unsigned long long)relay_stats.err_##k);
	STATS_ERROR_KINDS(X)
#undef X
	pb_printf(&b, "# HELP imrelay_rejected_total Requests answered with an "
				  "error, by class.\n# TYPE imrelay_rejected_total counter\n");
	for(int i = 4; i < 6; i++)
		pb_printf(&b, "imrelay_rejected_total{class=\"%dxx\"} %llu\n", i,
				(unsigned long long)relay_stats.rejected[i]);
	metric(&b, "imrelay_connections_open", "gauge", "Open MSRP connections.",
			relay_stats.conns_open);
	metric(&b, "imrelay_connections_accepted_total", "counter",
			"MSRP connections accepted.", relay_stats.conns_accepted);
	metric(&b, "imrelay_connections_local_total", "counter",
			"In-process connections between legs of this relay.",
			relay_stats.conns_local);
	metric(&b, "imrelay_frames_spliced_total", "counter",
			"Conference frames written straight to a participant's bridge "
			"leg, past the in-process hop.",
			relay_stats.frames_spliced);
	metric(&b, "imrelay_queue_high_water_bytes", "gauge",
			"Largest output queue seen on a leg.",
			relay_stats.queue_high_water);
	metric(&b, "imrelay_backpressure_pauses_total", "counter",
			"Times a sender was paused by a full output queue.",
			relay_stats.pauses);
	return b.p;
}
