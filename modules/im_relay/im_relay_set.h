/*
 * The configured MSRP relays and their health, shared by every Kamailio
 * process (one shm array, one lock per relay).
 */
#ifndef IM_RELAY_SET_H
#define IM_RELAY_SET_H

#include <time.h>

#include "core/locking.h"
#include "core/sr_module.h"
#include "core/str.h"

#include "im_addr.h"

#define IMR_NAME_MAX 128
#define IMR_ADDR_MAX 128
#define IMR_ERROR_MAX 160
#define IMR_BOOT_ID_MAX 40
#define IMR_EVENT_TYPE_MAX 32

typedef enum imr_state {
	IMR_STATE_UNKNOWN = 0, /* never probed yet */
	IMR_STATE_UP,
	IMR_STATE_DOWN,
} imr_state_t;

typedef struct imr_relay {
	int index;
	char name[IMR_NAME_MAX];
	char addr_text[IMR_ADDR_MAX];
	im_addr_t addr;
	int weight;

	gen_lock_t lock; /* protects everything below */
	imr_state_t state;
	time_t state_since;
	unsigned long requests;
	unsigned long failures;
	unsigned long timeouts;
	unsigned int last_rtt_us;
	char last_error[IMR_ERROR_MAX];
	char instance[IMR_NAME_MAX]; /* as the relay names itself */
	char boot_id[IMR_BOOT_ID_MAX];
	unsigned long events;
	time_t last_event_time;
	char last_event[IMR_EVENT_TYPE_MAX];
	/* media watchers (im_relay_watch.c) were told its sessions are gone */
	int lost_notified;
	int restart_pending; /* a new boot id was seen, not yet reported */
	/* owner leases (im_relay_owner.c): the relay's owner_timeout_s, the
	 * relay boot at which our previous runs' sessions were cleared, and
	 * how many were */
	int owner_timeout_s;
	int lease_warned;
	char reconciled_boot_id[IMR_BOOT_ID_MAX];
	unsigned long stale_destroyed;
} imr_relay_t;

extern imr_relay_t *imr_relays;
extern int imr_relay_count;

/* modparam("im_relay", "relay", "tcp:127.0.0.1:9070;name=r1;weight=10") */
int imr_relay_param(modparam_t type, void *val);

int imr_relays_init(void);
void imr_relays_destroy(void);

/* By configured name, by the instance name the relay announced, or by
 * address text. */
imr_relay_t *imr_relay_find(const str *key);

/* Outcome of one control-channel exchange: updates counters and state. */
void imr_relay_record_ok(imr_relay_t *r, unsigned int rtt_us);
void imr_relay_record_failure(imr_relay_t *r, int timed_out, const char *err);

/* Identity the relay reported (ping result or event). Returns 1 when the
 * boot id changed, i.e. the relay restarted since we last heard of it. */
int imr_relay_record_identity(
		imr_relay_t *r, const char *instance, const char *boot_id);

void imr_relay_set_state(imr_relay_t *r, imr_state_t state, const char *why);

const char *imr_state_name(imr_state_t state);

#endif
