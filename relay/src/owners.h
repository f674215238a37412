/*
 * Owners of sessions and their leases (issue 9 item 2).
 *
 * A Kamailio that creates sessions names itself in session.create (owner:
 * a name stable across its restarts, and owner_boot_id, random per start)
 * and renews its lease with every ping naming it, which its health check
 * sends every few seconds. An owner that has been silent for
 * owner_timeout_s is gone (killed, or restarted under a new boot id): the
 * sessions it created are destroyed, which closes their MSRP connections,
 * without an event, since there is nobody left to tell. Sessions created
 * without an owner (an operator, a test) have no lease.
 */
#ifndef RELAY_OWNERS_H
#define RELAY_OWNERS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* OWNER_NAME_MAX and OWNER_BOOT_ID_MAX are in session.h, which keeps
 * both in each session: this file stands above it. */

/* distinct owners (name, boot id) remembered at once */
#define OWNERS_MAX 256

/* 0: leases never expire. */
void owners_set_timeout(unsigned timeout_s);
unsigned owners_timeout(void);

/* Renews (or starts) the lease of owner (name, boot_id) as of now_ms, a
 * monotonic clock. 0, or -1 with err when the values are too long or the
 * table is full. */
int owners_touch_at(const char *name, const char *boot_id, uint64_t now_ms,
		char *err, size_t errlen);
int owners_touch(
		const char *name, const char *boot_id, char *err, size_t errlen);

/* Ends the leases older than the timeout as of now_ms and destroys their
 * sessions. Returns the number of sessions destroyed. */
size_t owners_expire_at(uint64_t now_ms);
size_t owners_expire(void);

/* Reads the optional owner / owner_boot_id pair of a control request:
 * 1 with both set, 0 when neither is given, -1 with err when only one is
 * given, one is not a string, or one is too long. */
int owners_param(json_t *params, const char **name, const char **boot_id,
		char *err, size_t errlen);

/* timeout, the live leases and the counters, for `stats`. */
json_t *owners_stats(void);

/* Forgets every lease (shutdown, tests). */
void owners_clear(void);

#endif
