/*
 * The media API's pieces that live in other files: the watchers told
 * when relay sessions die and the delivery report listeners
 * (im_relay_watch.c), conference and endpoint sessions
 * (im_relay_session.c).
 */
#ifndef IM_RELAY_MEDIA_H
#define IM_RELAY_MEDIA_H

#include <jansson.h>

#include "im_relay_load.h"
#include "im_relay_set.h"

int imr_watch_register(imr_watch_f fn);
int imr_report_register(imr_report_f fn);
int imr_received_register(imr_received_f fn);

/* Fill the bridge (im_relay_media.c) and the conference/endpoint session
 * (im_relay_session.c) parts of the API. */
void imr_bridge_bind(imr_api_t *api);
void imr_session_bind(imr_api_t *api);

/* A delivery_report event (its data object) for the report listeners. */
void imr_report_event(imr_relay_t *r, json_t *data);

/* A message_received event (its data object) for the receivers. */
void imr_received_event(imr_relay_t *r, json_t *data);

/* A leg_closed or connect_failed event for session/leg. */
void imr_watch_leg_event(imr_relay_t *r, const char *what,
		const char *session, const char *leg);

/* Tells the watchers once that relay r lost its sessions if it is down or
 * restarted since they last heard. Called where no SIP is being handled:
 * the health timer and the event handler. */
void imr_watch_check(imr_relay_t *r);

#endif
