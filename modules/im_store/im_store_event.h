/*
 * Event routes of im_store (README "Event routes"):
 *   event_route[imstore:stored]     a MESSAGE was stored (DM-2)
 *   event_route[imstore:delivered]  a stored message got its MSRP 200 (DM-4)
 * with $imstore(message_id|recipient|sender|call_id|size) set; or the
 * KEMI event_callback with the route's name.
 */
#ifndef IM_STORE_EVENT_H
#define IM_STORE_EVENT_H

#include "core/pvar.h"
#include "core/str.h"

#include "im_store_db.h"

typedef enum imst_event_route {
	IMST_RT_STORED = 0,
	IMST_RT_DELIVERED,
	IMST_RT_COUNT
} imst_event_route_t;

extern str imst_event_callback;

int imst_event_init(void);
void imst_event_run(imst_event_route_t which, const imst_row_t *row);

int imst_pv_parse_name(pv_spec_t *sp, str *in);
int imst_pv_get(struct sip_msg *msg, pv_param_t *param, pv_value_t *res);

#endif
