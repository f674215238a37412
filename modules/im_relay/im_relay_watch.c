/*
 * Watchers of the media plane: modules that must end calls when their
 * relay sessions die (im_pf terminates both SIP legs). A relay that goes
 * down, announces its shutdown or comes back with a new boot id has lost
 * every session it held; a leg whose connection closed or could not be
 * made has lost its session's purpose.
 */
#include <string.h>

#include "core/dprint.h"

#include "im_relay_media.h"

#define IMR_WATCH_MAX 8

/* filled in mod_init, before the fork: every process has the list */
static imr_watch_f imr_watchers[IMR_WATCH_MAX];
static int imr_nwatchers = 0;

int imr_watch_register(imr_watch_f fn)
{
	if(imr_nwatchers >= IMR_WATCH_MAX) {
		LM_ERR("too many media watchers\n");
		return -1;
	}
	imr_watchers[imr_nwatchers++] = fn;
	return 0;
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
