#include <stdio.h>
#include <string.h>

#include "core/dprint.h"

#include "im_relay_conn.h"
#include "im_relay_leg.h"
#include "im_relay_owner.h"
#include "im_relay_place.h"
#include "im_relay_set.h"
#include "im_random.h"

/* Relays in the order to try: up (or not yet probed) ones by weighted
 * random choice, down ones never. Returns how many. */
static int candidates(int *order)
{
	int n = 0, total = 0, w[64];

	for(int i = 0; i < imr_relay_count && n < 64; i++) {
		imr_relay_t *r = &imr_relays[i];
		imr_state_t st;

		lock_get(&r->lock);
		st = r->state;
		lock_release(&r->lock);
		if(st == IMR_STATE_DOWN)
			continue;
		order[n] = i;
		w[n] = r->weight > 0 ? r->weight : 1;
		total += w[n];
		n++;
	}
	/* weighted shuffle: pick, remove, repeat */
	for(int k = 0; k < n - 1; k++) {
		int pick = (int)(im_random32() % (unsigned int)total), j = k;
		while(pick >= w[j]) {
			pick -= w[j];
			j++;
		}
		total -= w[j];
		int oi = order[k], ow = w[k];
		order[k] = order[j];
		w[k] = w[j];
		order[j] = oi;
		w[j] = ow;
	}
	return n;
}

int imr_place_session(
		json_t *params, int *relay, json_t **result, imr_err_t *e)
{
	int order[64], n = candidates(order);
	char err[IMR_ERROR_MAX] = "";
	const char *id = json_string_value(json_object_get(params, "id"));

	*relay = -1;
	*result = NULL;
	imr_owner_tag(params);
	for(int i = 0; i < n; i++) {
		imr_relay_t *r = &imr_relays[order[i]];
		imr_call_status_t st;

		st = imr_call(r, "session.create", params, result, err, sizeof(err));
		if(st == IMR_CALL_OK) {
			*relay = order[i];
			return 0;
		}
		if(*result)
			json_decref(*result);
		*result = NULL;
		LM_WARN("relay %s refused or failed session %s: %s\n", r->name,
				id ? id : "?", err);
		if(st == IMR_CALL_RPC_ERROR) {
			/* the relay answered: another would say the same */
			imr_fail(e, 488, "media not acceptable to the relay: %s", err);
			return -1;
		}
	}
	if(err[0])
		imr_fail(e, 503, "no MSRP relay available: %s", err);
	else
		imr_fail(e, 503, "no MSRP relay available%s", n ? "" : " (all down)");
	return -1;
}

int imr_relay_usable(int r)
{
	int up;

	if(r < 0 || r >= imr_relay_count)
		return 0;
	lock_get(&imr_relays[r].lock);
	up = imr_relays[r].state != IMR_STATE_DOWN;
	lock_release(&imr_relays[r].lock);
	return up;
}

void imr_destroy_session(int *relay, const char *session)
{
	json_t *params;
	char err[IMR_ERROR_MAX];
	int r = *relay;

	*relay = -1;
	if(!imr_relay_usable(r))
		return;
	/* nothing to do with the answer: the SIP side has ended already, so
	 * quiet: no session_closed event about what we did ourselves */
	params = json_pack("{s:s, s:b}", "id", session, "quiet", 1);
	if(imr_post(&imr_relays[r], "session.destroy", params, err, sizeof(err))
			< 0)
		LM_WARN("relay %s: session %s not destroyed: %s\n",
				imr_relays[r].name, session, err);
	json_decref(params);
}
