/*
 * Event routes of our modules (event_route[<m>:<event>], or the KEMI
 * event_callback with the route's name), run on a faked message from any
 * process: header-only.
 *
 * Names are "imcf:...", "imstore:...", never "im_cf:...": Kamailio's cfg
 * lexer takes no '_' before the ':' of an event route name (it would
 * register "cf:session-created").
 */
#ifndef IM_EVENT_ROUTE_H
#define IM_EVENT_ROUTE_H

#include <string.h>

#include "core/dprint.h"
#include "core/fmsg.h"
#include "core/kemi.h"
#include "core/route.h"

/* In mod_init: each name's route index into routes (-1: none). */
static inline int im_event_routes_init(const char **names, int *routes, int n)
{
	for(int i = 0; i < n; i++) {
		routes[i] = route_lookup(&event_rt, (char *)names[i]);
		if(routes[i] >= 0 && event_rt.rlist[routes[i]] == NULL)
			routes[i] = -1;
	}
	return faked_msg_init();
}

/* Runs route rt (-1: none) named name, or the KEMI callback. */
static inline void im_event_route_run(
		int rt, const char *name, const str *callback)
{
	sr_kemi_eng_t *keng = NULL;
	str evname = {(char *)name, (int)strlen(name)};
	struct sip_msg *fmsg;
	struct run_act_ctx ctx;
	int backup;

	if(callback->len > 0)
		keng = sr_kemi_eng_get();
	if(rt < 0 && !keng)
		return;
	fmsg = faked_msg_next();
	backup = get_route_type();
	set_route_type(EVENT_ROUTE);
	init_run_actions_ctx(&ctx);
	if(rt >= 0)
		run_top_route(event_rt.rlist[rt], fmsg, &ctx);
	else if(sr_kemi_route(keng, fmsg, EVENT_ROUTE, (str *)callback, &evname)
			< 0)
		LM_ERR("error running the kemi callback for %s\n", name);
	set_route_type(backup);
}

#endif
