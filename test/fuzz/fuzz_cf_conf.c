/* The conference state machine (modules/im_cf/im_cf_conf.c) under any
 * sequence of events, three bytes each (type, participant, code): it must
 * keep its invariants and never lose an action for want of room. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "im_cf_conf.h"

#define CAP 8

static const char *uris[] = {"sip:a@x", "sip:b@x", "sip:c@x", "sip:d@x",
		"sip:e@x", "sip:f@x", "sip:g@x", "sip:h@x", "sip:i@x"};

static void check(const imcf_conf_t *c, const imcf_actions_t *a,
		unsigned int version_before)
{
	int gone = 0;

	if(c->n > c->cap || a->n >= IMCF_MAX_ACTIONS || c->version < version_before)
		abort();
	for(int i = 0; i < c->n; i++) {
		if(c->p[i].state > IMCF_P_GONE)
			abort();
		gone += c->p[i].state == IMCF_P_GONE;
	}
	if(imcf_conf_active(c) > c->max_participants && c->max_participants)
		abort();
	if(c->destroyed && (gone != c->n || !c->released))
		abort();
	for(int i = 0; i < a->n; i++) {
		if(a->a[i].idx >= c->n)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static union
	{
		imcf_conf_t c;
		char room[sizeof(imcf_conf_t) + CAP * sizeof(imcf_participant_t)];
	} u;
	imcf_conf_t *c = &u.c;
	imcf_actions_t acts;
	imcf_event_t ev;

	if(size < 1)
		return 0;
	imcf_conf_init(c, CAP, "f", "sip:conf-f@x", data[0] & 1, 4, data[0] >> 7,
			(data[0] >> 1) & 7, 100);
	for(size_t i = 1; i + 3 <= size; i += 3) {
		unsigned int version = c->version;

		memset(&ev, 0, sizeof(ev));
		ev.type = (imcf_event_type_t)(data[i] % (IMCF_EV_TERMINATE + 1));
		ev.idx = (int)(data[i + 1] % (CAP + 2)) - 1;
		ev.code = 300 + data[i + 2];
		ev.uri = uris[data[i + 1] % 9];
		ev.display = "";
		ev.anonymous = data[i + 2] & 1;
		ev.now = 100 + data[i + 2];
		acts.n = 0;
		imcf_conf_apply(c, &ev, &acts);
		check(c, &acts, version);
	}
	return 0;
}
