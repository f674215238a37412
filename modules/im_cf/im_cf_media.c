#include <stdlib.h>
#include <string.h>

#include "core/dprint.h"

#include "im_cf.h"
#include "im_cf_actions.h"
#include "im_cf_ident.h"
#include "im_cf_media.h"
#include "im_cf_table.h"

static int release_on_relay(imcf_session_t *s, void *arg)
{
	int relay = *(int *)arg;

	if(s->relay.relay == relay) {
		LM_INFO("session %s: its relay is lost, releasing it\n", s->conf.id);
		imcf_session_event(s, &(imcf_event_t){.type = IMCF_EV_TERMINATE}, NULL);
	}
	return 0;
}

void imcf_media_watch(
		int relay, const char *what, const char *session, const char *leg)
{
	imcf_session_t *s;
	imcf_event_t ev = {.type = IMCF_EV_TERMINATE};

	if(strcmp(what, "relay_lost") == 0) {
		imcf_table_foreach(release_on_relay, &relay);
		return;
	}
	if(!session
			|| strncmp(session, IMCF_RELAY_PREFIX, strlen(IMCF_RELAY_PREFIX))
			|| !(s = imcf_session_get(session + strlen(IMCF_RELAY_PREFIX))))
		return; /* another module's session (a bridge of im_pf) */
	if(strcmp(what, "leg_closed") == 0 || strcmp(what, "connect_failed") == 0) {
		ev.type = IMCF_EV_REMOVE;
		ev.idx = imcf_leg_index(leg, IMCF_MAX_PARTICIPANTS);
		if(ev.idx < 0) {
			imcf_session_put(s);
			return;
		}
	}
	LM_INFO("session %s: %s%s%s\n", session, what, leg ? " on leg " : "",
			leg ? leg : "");
	imcf_session_event(s, &ev, NULL);
	imcf_session_put(s);
}
