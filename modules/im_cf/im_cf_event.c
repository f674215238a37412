#include <string.h>

#include "core/dprint.h"

#include "im_event_route.h"

#include "im_cf_event.h"

str imcf_event_callback = STR_NULL;

static const char *names[IMCF_RT_COUNT] = {"imcf:session-created",
		"imcf:participant-joined", "imcf:participant-left",
		"imcf:session-released"};
static int routes[IMCF_RT_COUNT];

/* the event being run, for $imcf() (one per process, not reentrant) */
static const imcf_event_info_t *current;

int imcf_event_init(void)
{
	return im_event_routes_init(names, routes, IMCF_RT_COUNT);
}

void imcf_event_run(imcf_event_route_t which, const imcf_event_info_t *info)
{
	current = info;
	im_event_route_run(routes[which], names[which], &imcf_event_callback);
	current = NULL;
}

enum
{
	PV_ID = 1,
	PV_IDENTITY,
	PV_URI,
	PV_DISPLAY,
	PV_STATE,
	PV_REASON,
	PV_PARTICIPANTS
};

int imcf_pv_parse_name(pv_spec_t *sp, str *in)
{
	static const char *keys[] = {"id", "identity", "uri", "display", "state",
			"reason", "participants"};

	for(int i = 0; i < (int)(sizeof(keys) / sizeof(keys[0])); i++) {
		if(in->len == (int)strlen(keys[i])
				&& strncmp(in->s, keys[i], in->len) == 0) {
			sp->pvp.pvn.type = PV_NAME_INTSTR;
			sp->pvp.pvn.u.isname.type = 0;
			sp->pvp.pvn.u.isname.name.n = i + 1;
			return 0;
		}
	}
	LM_ERR("unknown $imcf(%.*s)\n", in->len, in->s);
	return -1;
}

static int text(
		struct sip_msg *msg, pv_param_t *param, pv_value_t *res, const char *s)
{
	str v;

	if(!s || !*s)
		return pv_get_null(msg, param, res);
	v.s = (char *)s;
	v.len = strlen(s);
	return pv_get_strval(msg, param, res, &v);
}

int imcf_pv_get(struct sip_msg *msg, pv_param_t *param, pv_value_t *res)
{
	if(!current)
		return pv_get_null(msg, param, res);
	switch(param->pvn.u.isname.name.n) {
		case PV_ID:
			return text(msg, param, res, current->id);
		case PV_IDENTITY:
			return text(msg, param, res, current->identity);
		case PV_URI:
			return text(msg, param, res, current->uri);
		case PV_DISPLAY:
			return text(msg, param, res, current->display);
		case PV_STATE:
			return text(msg, param, res, current->state);
		case PV_REASON:
			return text(msg, param, res, current->reason);
		case PV_PARTICIPANTS:
			return pv_get_sintval(msg, param, res, current->participants);
		default:
			return pv_get_null(msg, param, res);
	}
}
