#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/dprint.h"

#include "im_relay_conn.h"
#include "im_relay_health.h"
#include "im_relay_media.h"
#include "im_relay_owner.h"

int imr_health_interval = 2;

int imr_relay_ping(imr_relay_t *r, unsigned int *rtt_us, char *err,
		size_t errlen)
{
	json_t *params = json_object(), *result = NULL;
	struct timespec t0, t1;
	imr_call_status_t st;

	/* a ping naming us renews our lease on our sessions at the relay */
	imr_owner_tag(params);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	st = imr_call(r, "ping", params, &result, err, errlen);
	json_decref(params);
	if(st != IMR_CALL_OK) {
		if(result)
			json_decref(result);
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	*rtt_us = (unsigned int)((t1.tv_sec - t0.tv_sec) * 1000000
							 + (t1.tv_nsec - t0.tv_nsec) / 1000);
	if(!json_is_object(result)
			|| !json_is_true(json_object_get(result, "pong"))) {
		snprintf(err, errlen, "ping answered without pong");
		json_decref(result);
		imr_relay_record_failure(r, 0, err);
		return -1;
	}
	imr_relay_record_identity(r,
			json_string_value(json_object_get(result, "instance")),
			json_string_value(json_object_get(result, "boot_id")));
	imr_owner_lease_seen(r, result);
	json_decref(result);
	return 0;
}

void imr_health_timer(unsigned int ticks, void *param)
{
	char err[IMR_ERROR_MAX];
	unsigned int rtt;

	(void)ticks;
	(void)param;
	for(int i = 0; i < imr_relay_count; i++) {
		int up = imr_relay_ping(&imr_relays[i], &rtt, err, sizeof(err)) == 0;
		if(!up)
			LM_DBG("relay %s: %s\n", imr_relays[i].name, err);
		imr_watch_check(&imr_relays[i]);
		/* a relay that answered: clear what our previous runs left */
		if(up)
			imr_owner_reconcile(&imr_relays[i]);
	}
}
