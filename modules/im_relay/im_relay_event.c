#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "core/dprint.h"
#include "core/fmsg.h"
#include "core/kemi.h"
#include "core/route.h"
#include "core/action.h"

#include "im_relay_event.h"
#include "im_relay_media.h"
#include "im_relay_set.h"

str imr_event_callback = STR_NULL;

static int imr_event_rt = -1;

/* the event being handled, for $imrelay(...) */
static struct {
	str type;
	str instance;
	str data;
	int active;
} imr_current;

enum { IMR_PV_TYPE = 1, IMR_PV_INSTANCE, IMR_PV_DATA };

int imr_event_init(void)
{
	if(imr_event_callback.len > 0)
		return 0;
	imr_event_rt = route_lookup(&event_rt, "imrelay:event");
	if(imr_event_rt >= 0 && event_rt.rlist[imr_event_rt] == NULL)
		imr_event_rt = -1;
	return 0;
}

static int valid_token(const str *s, int max, int allow_upper)
{
	if(s == NULL || s->s == NULL || s->len <= 0 || s->len >= max)
		return 0;
	for(int i = 0; i < s->len; i++) {
		char ch = s->s[i];
		if((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_')
			continue;
		if(allow_upper
				&& ((ch >= 'A' && ch <= 'Z') || ch == '-' || ch == '.'
						|| ch == ':'))
			continue;
		return 0;
	}
	return 1;
}

static void run_event_route(void)
{
	sip_msg_t *fmsg;
	struct run_act_ctx ctx;
	sr_kemi_eng_t *keng = NULL;
	int backup_rt;
	str evname = str_init("imrelay:event");

	if(imr_event_rt < 0 && imr_event_callback.len <= 0)
		return;
	if(imr_event_callback.len > 0) {
		keng = sr_kemi_eng_get();
		if(keng == NULL) {
			LM_WARN("event_callback set but no KEMI engine is loaded\n");
			return;
		}
	}
	if(faked_msg_init() < 0) {
		LM_ERR("cannot init faked message\n");
		return;
	}
	fmsg = faked_msg_next();
	backup_rt = get_route_type();
	set_route_type(EVENT_ROUTE);
	init_run_actions_ctx(&ctx);
	if(keng) {
		if(sr_kemi_route(keng, fmsg, EVENT_ROUTE, &imr_event_callback,
				   &evname)
				< 0)
			LM_ERR("error running the im_relay event callback\n");
	} else {
		run_top_route(event_rt.rlist[imr_event_rt], fmsg, &ctx);
	}
	set_route_type(backup_rt);
}

int imr_event_handle(const str *instance, const str *type, const str *data,
		char *err, size_t errlen)
{
	json_t *jdata = NULL;
	json_error_t jerr;
	imr_relay_t *r;
	const char *boot_id = NULL;
	char tbuf[IMR_EVENT_TYPE_MAX];

	if(!valid_token(instance, IMR_NAME_MAX, 1)) {
		snprintf(err, errlen, "bad relay instance name");
		return -1;
	}
	if(!valid_token(type, IMR_EVENT_TYPE_MAX, 0)) {
		snprintf(err, errlen, "bad event type (want [a-z0-9_], max %d)",
				IMR_EVENT_TYPE_MAX - 1);
		return -1;
	}
	if(data && data->len > 0) {
		jdata = json_loadb(data->s, (size_t)data->len, 0, &jerr);
		if(jdata == NULL || !json_is_object(jdata)) {
			snprintf(err, errlen, "event data is not a JSON object");
			if(jdata)
				json_decref(jdata);
			return -1;
		}
		boot_id = json_string_value(json_object_get(jdata, "boot_id"));
	}
	r = imr_relay_find(instance);
	if(r == NULL) {
		snprintf(err, errlen,
				"relay instance '%.*s' is not configured (set ;name= on the "
				"im_relay 'relay' parameter)",
				instance->len, instance->s);
		if(jdata)
			json_decref(jdata);
		return -1;
	}

	memcpy(tbuf, type->s, type->len);
	tbuf[type->len] = '\0';
	{
		char ibuf[IMR_NAME_MAX];
		memcpy(ibuf, instance->s, instance->len);
		ibuf[instance->len] = '\0';
		imr_relay_record_identity(r, ibuf, boot_id);
	}
	lock_get(&r->lock);
	r->events++;
	r->last_event_time = time(NULL);
	snprintf(r->last_event, sizeof(r->last_event), "%s", tbuf);
	lock_release(&r->lock);

	if(strcmp(tbuf, "relay_started") == 0)
		imr_relay_set_state(r, IMR_STATE_UP, NULL);
	else if(strcmp(tbuf, "relay_stopping") == 0)
		imr_relay_set_state(r, IMR_STATE_DOWN, "relay announced its shutdown");

	/* session_closed: the session was destroyed at the relay (an
	 * operator): its calls end now, BYE on both SIP legs (issue 8) */
	if(strcmp(tbuf, "leg_closed") == 0 || strcmp(tbuf, "connect_failed") == 0
			|| strcmp(tbuf, "session_closed") == 0)
		imr_watch_leg_event(r, tbuf,
				json_string_value(json_object_get(jdata, "session")),
				json_string_value(json_object_get(jdata, "leg")));
	else if(strcmp(tbuf, "delivery_report") == 0 && jdata)
		imr_report_event(r, jdata);
	else if(strcmp(tbuf, "message_received") == 0 && jdata)
		imr_received_event(r, jdata);
	imr_watch_check(r);

	LM_DBG("relay %s event %s\n", r->name, tbuf);
	imr_current.type = *type;
	imr_current.instance = *instance;
	if(data)
		imr_current.data = *data;
	else
		imr_current.data.len = 0;
	imr_current.active = 1;
	run_event_route();
	imr_current.active = 0;

	if(jdata)
		json_decref(jdata);
	return 0;
}

int imr_pv_parse_name(pv_spec_t *sp, str *in)
{
	if(sp == NULL || in == NULL || in->len <= 0)
		return -1;
	if(in->len == 4 && strncmp(in->s, "type", 4) == 0)
		sp->pvp.pvn.u.isname.name.n = IMR_PV_TYPE;
	else if(in->len == 8 && strncmp(in->s, "instance", 8) == 0)
		sp->pvp.pvn.u.isname.name.n = IMR_PV_INSTANCE;
	else if(in->len == 4 && strncmp(in->s, "data", 4) == 0)
		sp->pvp.pvn.u.isname.name.n = IMR_PV_DATA;
	else {
		LM_ERR("unknown $imrelay(%.*s): use type, instance or data\n", in->len,
				in->s);
		return -1;
	}
	sp->pvp.pvn.type = PV_NAME_INTSTR;
	sp->pvp.pvn.u.isname.type = 0;
	return 0;
}

int imr_pv_get(sip_msg_t *msg, pv_param_t *param, pv_value_t *res)
{
	if(!imr_current.active)
		return pv_get_null(msg, param, res);
	switch(param->pvn.u.isname.name.n) {
		case IMR_PV_TYPE:
			return pv_get_strval(msg, param, res, &imr_current.type);
		case IMR_PV_INSTANCE:
			return pv_get_strval(msg, param, res, &imr_current.instance);
		case IMR_PV_DATA:
			if(imr_current.data.len <= 0)
				return pv_get_null(msg, param, res);
			return pv_get_strval(msg, param, res, &imr_current.data);
	}
	return pv_get_null(msg, param, res);
}
