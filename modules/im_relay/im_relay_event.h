/*
 * Events the relay posts to Kamailio (relay -> jsonrpcs -> RPC
 * im_relay.event): recorded against the relay they come from, then handed
 * to event_route[im_relay:event] (or a KEMI callback) with $imrelay(...)
 * describing the event.
 */
#ifndef IM_RELAY_EVENT_H
#define IM_RELAY_EVENT_H

#include "core/pvar.h"
#include "core/str.h"

extern str imr_event_callback;

int imr_event_init(void);

/* Returns 0, or -1 with a reason for the sender in err. */
int imr_event_handle(
		const str *instance, const str *type, const str *data, char *err,
		size_t errlen);

int imr_pv_parse_name(pv_spec_t *sp, str *in);
int imr_pv_get(sip_msg_t *msg, pv_param_t *param, pv_value_t *res);

#endif
