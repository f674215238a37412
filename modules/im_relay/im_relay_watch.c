/*
 * Watchers of the media plane (bridges, conferences and endpoint sessions
 * alike): modules that must end calls when their
 * relay sessions die (im_pf terminates both SIP legs). A relay that goes
 * down, announces its shutdown or comes back with a new boot id has lost
 * every session it held; a leg whose connection closed or could not be
 * made has lost its session's purpose. Report listeners hear the relay's
 * delivery_report events (a conference recipient skipped or failing, an
 * injected message's outcome), receivers the message_received events of
 * endpoint legs (a deferred Large Message).
 */
#include <string.h>

#include "core/dprint.h"

#include "im_relay_media.h"

#define IMR_WATCH_MAX 8

/* filled in mod_init, before the fork: every process has the lists */
static imr_watch_f imr_watchers[IMR_WATCH_MAX];
static int imr_nwatchers = 0;
static imr_report_f imr_reporters[IMR_WATCH_MAX];
static int imr_nreporters = 0;
static imr_received_f imr_receivers[IMR_WATCH_MAX];
static int imr_nreceivers = 0;

int imr_watch_register(imr_watch_f fn)
{
	if(imr_nwatchers >= IMR_WATCH_MAX) {
		LM_ERR("too many media watchers\n");
		return -1;
	}
	imr_watchers[imr_nwatchers++] = fn;
	return 0;
}

int imr_report_register(imr_report_f fn)
{
	if(imr_nreporters >= IMR_WATCH_MAX) {
		LM_ERR("too many delivery report listeners\n");
		return -1;
	}
	imr_reporters[imr_nreporters++] = fn;
	return 0;
}

int imr_received_register(imr_received_f fn)
{
	if(imr_nreceivers >= IMR_WATCH_MAX) {
		LM_ERR("too many received message listeners\n");
		return -1;
	}
	imr_receivers[imr_nreceivers++] = fn;
	return 0;
}

void imr_received_event(imr_relay_t *r, json_t *data)
{
	json_t *size = json_object_get(data, "size");
	const char *ctype =
			json_string_value(json_object_get(data, "content_type"));
	imr_received_t m = {json_string_value(json_object_get(data, "session")),
			json_string_value(json_object_get(data, "leg")),
			json_string_value(json_object_get(data, "message_id")),
			ctype ? ctype : "",
			json_is_integer(size) ? (long long)json_integer_value(size) : -1};

	if(!m.session || !m.leg || !m.message_id) {
		LM_WARN("relay %s: message_received without session, leg or "
				"message_id\n",
				r->name);
		return;
	}
	for(int i = 0; i < imr_nreceivers; i++)
		imr_receivers[i](r->index, &m);
}

void imr_report_event(imr_relay_t *r, json_t *data)
{
	const char *session = json_string_value(json_object_get(data, "session"));
	const char *leg = json_string_value(json_object_get(data, "leg"));
	const char *mid = json_string_value(json_object_get(data, "message_id"));
	const char *reason = json_string_value(json_object_get(data, "reason"));
	json_t *code = json_object_get(data, "code");

	if(!session || !leg || !mid || !json_is_integer(code)) {
		LM_WARN("relay %s: delivery_report without session, leg, message_id "
				"or code\n",
				r->name);
		return;
	}
	json_t *total = json_object_get(data, "total");
	imr_delivery_t d = {session, leg, mid, (int)json_integer_value(code),
			reason ? reason : "",
			json_string_value(json_object_get(data, "sender")),
			json_is_true(json_object_get(data, "sender_reports")),
			json_is_integer(total) ? (long long)json_integer_value(total) : -1};

	for(int i = 0; i < imr_nreporters; i++)
		imr_reporters[i](r->index, &d);
}

static void notify(int relay, const char *what, const char *session,
		const char *leg)
{
	for(int i = 0; i < imr_nwatchers; i++)
		imr_watchers[i](relay, what, session, leg);
}

void imr_watch_leg_event(imr_relay_t *r, const char *what,
		const char *session, const char *leg)
{
	if(session && session[0])
		notify(r->index, what, session, leg);
}

void imr_watch_check(imr_relay_t *r)
{
	int lost = 0;

	lock_get(&r->lock);
	if(r->state == IMR_STATE_DOWN && !r->lost_notified) {
		r->lost_notified = 1;
		lost = 1;
	} else if(r->state == IMR_STATE_UP) {
		r->lost_notified = 0;
	}
	if(r->restart_pending) {
		r->restart_pending = 0;
		lost = 1;
	}
	lock_release(&r->lock);
	if(lost) {
		LM_WARN("relay %s lost its sessions: ending their calls\n", r->name);
		notify(r->index, "relay_lost", NULL, NULL);
	}
}
