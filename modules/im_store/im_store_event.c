#include <string.h>

#include "core/dprint.h"

#include "im_event_route.h"

#include "im_store_event.h"

str imst_event_callback = STR_NULL;

static const char *names[IMST_RT_COUNT] = {
		"imstore:stored", "imstore:delivered"};
static int routes[IMST_RT_COUNT];

/* the message of the event being run, for $imstore() (per process) */
static const imst_row_t *current;

int imst_event_init(void)
{
	return im_event_routes_init(names, routes, IMST_RT_COUNT);
}

void imst_event_run(imst_event_route_t which, const imst_row_t *row)
{
	current = row;
	im_event_route_run(routes[which], names[which], &imst_event_callback);
	current = NULL;
}

static const char *keys[] = {
		"message_id", "recipient", "sender", "call_id", "size"};

int imst_pv_parse_name(pv_spec_t *sp, str *in)
{
	for(int i = 0; i < (int)(sizeof(keys) / sizeof(keys[0])); i++) {
		if(in->len == (int)strlen(keys[i])
				&& strncmp(in->s, keys[i], in->len) == 0) {
			sp->pvp.pvn.type = PV_NAME_INTSTR;
			sp->pvp.pvn.u.isname.type = 0;
			sp->pvp.pvn.u.isname.name.n = i;
			return 0;
		}
	}
	LM_ERR("unknown $imstore(%.*s)\n", in->len, in->s);
	return -1;
}

int imst_pv_get(struct sip_msg *msg, pv_param_t *param, pv_value_t *res)
{
	const str *v[] = {current ? &current->message_id : NULL,
			current ? &current->recipient : NULL,
			current ? &current->sender : NULL,
			current ? &current->call_id : NULL};
	int which = param->pvn.u.isname.name.n;

	if(!current)
		return pv_get_null(msg, param, res);
	if(which == 4)
		return pv_get_sintval(msg, param, res, current->size);
	if(which < 0 || which > 3 || !v[which]->s)
		return pv_get_null(msg, param, res);
	return pv_get_strval(msg, param, res, (str *)v[which]);
}
