/*
 * Event routes for the operator's script (README "Event routes"):
 * event_route[imcf:session-created], [imcf:participant-joined],
 * [imcf:participant-left], [imcf:session-released], or the KEMI
 * function named by the event_callback parameter. Inside them $imcf(key)
 * reads the session and participant the event is about.
 */
#ifndef IM_CF_EVENT_H
#define IM_CF_EVENT_H

#include "core/pvar.h"
#include "core/str.h"

typedef enum imcf_event_route
{
	IMCF_RT_CREATED = 0,
	IMCF_RT_JOINED,
	IMCF_RT_LEFT,
	IMCF_RT_RELEASED,
	IMCF_RT_COUNT
} imcf_event_route_t;

/* What $imcf() shows during an event route (copied, no pointer kept). */
typedef struct imcf_event_info
{
	const char *id, *identity;
	const char *uri, *display, *state, *reason;
	int participants;
} imcf_event_info_t;

extern str imcf_event_callback;

/* mod_init: finds the routes the script defines. */
int imcf_event_init(void);
void imcf_event_run(imcf_event_route_t which, const imcf_event_info_t *info);

/* $imcf(id|identity|uri|display|state|reason|participants) */
int imcf_pv_parse_name(pv_spec_t *sp, str *in);
int imcf_pv_get(struct sip_msg *msg, pv_param_t *param, pv_value_t *res);

#endif
