/*
 * This Kamailio as the owner of its relay sessions (issue 9 item 2).
 *
 * Every session.create names the owner (a name stable across restarts,
 * by default "<hostname>/<first listen socket>") and this run's boot id;
 * every health ping renews the owner's lease at the relay, which releases
 * the sessions of an owner that stopped pinging (a Kamailio killed).
 * After a restart, the first health check that reaches a relay destroys
 * the sessions the owner's previous runs left there: im_ua's calls lived
 * in shared memory and died with them. Other owners' sessions (other
 * Kamailios sharing the relay, an operator's) are never touched.
 */
#ifndef IM_RELAY_OWNER_H
#define IM_RELAY_OWNER_H

#include <jansson.h>

#include "core/str.h"

#include "im_relay_set.h"

extern str imr_owner_param;

/* mod_init: the owner name and this run's boot id. 0, or -1 (logged). */
int imr_owner_init(void);

const char *imr_owner_name(void);
const char *imr_owner_boot_id(void);

/* Adds owner and owner_boot_id to a request's params when leases are on
 * (the health timer runs: without its pings a lease would expire under
 * live calls). */
void imr_owner_tag(json_t *params);

/* After a ping result: remembers the relay's owner_timeout_s and warns
 * once when health pings are too rare to hold the lease. */
void imr_owner_lease_seen(imr_relay_t *r, json_t *ping_result);

/* Health timer, after a successful ping: once per relay boot, destroys
 * the sessions of this owner left by an earlier run. */
void imr_owner_reconcile(imr_relay_t *r);

#endif
