#include <string.h>
#include <strings.h>

#include "core/parser/parse_event.h"
#include "core/parser/parse_param.h"
#include "core/ut.h"

#include "im_ua_refer.h"

void imua_refer_relayed(imua_call_t *c, int out_leg, unsigned int in_cseq)
{
	imua_leg_t *l = &c->leg[out_leg];

	lock_get(&c->lock);
	l->refers[l->refers_next % IMUA_REFERS_KEPT].here = l->local_cseq;
	l->refers[l->refers_next % IMUA_REFERS_KEPT].there = in_cseq;
	l->refers_next++;
	lock_release(&c->lock);
}

/* The id= of a refer Event; 0 and *id when there is one. */
static int refer_event_id(struct sip_msg *msg, unsigned int *id)
{
	event_t *e;

	if(parse_headers(msg, HDR_EVENT_F, 0) < 0 || !msg->event
			|| parse_event(msg->event) < 0)
		return -1;
	e = (event_t *)msg->event->parsed;
	if(!e || e->name.len != 5 || strncasecmp(e->name.s, "refer", 5) != 0)
		return -1;
	for(param_t *p = e->params.list; p; p = p->next) {
		if(p->name.len == 2 && strncasecmp(p->name.s, "id", 2) == 0)
			return str2int(&p->body, id) < 0 ? -1 : 0;
	}
	return -1;
}

int imua_refer_notify_event(
		imua_call_t *c, int leg, struct sip_msg *notify, im_kbuf_t *ev)
{
	imua_leg_t *l = &c->leg[leg];
	unsigned int id, n;
	int found = 0;

	if(refer_event_id(notify, &id) < 0)
		return 0;
	lock_get(&c->lock);
	n = l->refers_next < IMUA_REFERS_KEPT ? l->refers_next : IMUA_REFERS_KEPT;
	for(unsigned int i = 0; i < n && !found; i++) {
		if(l->refers[i].here == id) {
			id = l->refers[i].there;
			found = 1;
		}
	}
	lock_release(&c->lock);
	if(!found)
		return 0;
	im_kbuf_addf(ev, "Event: refer;id=%u\r\n", id);
	return ev->failed ? 0 : 1;
}
