/*
 * The sessions of this node: a shm hash table keyed by session id with a
 * lock per slot and a reference count per session. A session's state
 * (imcf_conf_t and the relay legs) is read and changed under its slot's
 * lock only; nobody calls im_ua or im_relay with that lock held, since
 * their hooks come back to us.
 */
#ifndef IM_CF_TABLE_H
#define IM_CF_TABLE_H

#include "core/locking.h"
#include "core/str.h"

#include "im_ua_load.h"
#include "im_relay_load.h"
#include "im_cf_conf.h"

typedef struct imcf_session
{
	struct imcf_session *next, *prev;
	unsigned int slot;
	int refs;	/* under the slot lock; the table holds one */
	int linked; /* still in the table */
	imr_session_t relay;
	imr_leg_t *legs;			/* one per conf.p[], after conf */
	char factory[IMCF_URI_MAX]; /* PAI of our 200 (D-5) */
	char inviter_version[128];	/* its User-Agent, for the relay (UP-3) */
	int large_message;			/* LM-1: a Large Message session */
	/* the SDP answer for the originator, kept until its 200 (CF-2) */
	str answer;
	/* the originator's a=accept-wrapped-types (empty: none), from which
	 * that 200 selects with the first invitee's answer (CF-2) */
	str offered_wrapped;
	/* the resource list of the factory INVITE, copied into invitations
	 * as recipient-list-history (NNI-17) */
	str list;
	/* LM-4: the sender's SDP offer, whose MSRP a= lines the invitations
	 * of a Large Message session repeat; empty otherwise */
	str sender_offer;
	imcf_conf_t conf; /* last: its participants follow */
} imcf_session_t;

typedef struct imcf_stats
{
	unsigned long created, released, refused, invitations;
} imcf_stats_t;

typedef enum imcf_stat
{
	IMCF_STAT_REFUSED = 0, /* requests refused by the checks */
	IMCF_STAT_INVITATIONS,
} imcf_stat_t;

int imcf_table_init(unsigned int size);
void imcf_table_destroy(void);

/* A new session with room for cap participants, referenced once by the
 * table and once by the caller, or NULL (shm full, id taken). */
imcf_session_t *imcf_session_new(const char *id, int cap);
/* The session with this id, referenced, or NULL. */
imcf_session_t *imcf_session_get(const char *id);
void imcf_session_ref(imcf_session_t *s);
/* Drops a reference; the last one frees the session. */
void imcf_session_put(imcf_session_t *s);
/* Takes the session out of the table (DESTROY); idempotent. */
void imcf_session_unlink(imcf_session_t *s);

void imcf_session_lock(imcf_session_t *s);
void imcf_session_unlock(imcf_session_t *s);

/* Calls fn for every session, each referenced during the call and no lock
 * held. fn returns 0 to go on. */
void imcf_table_foreach(int (*fn)(imcf_session_t *s, void *arg), void *arg);

unsigned int imcf_table_count(void);
void imcf_stats_inc(imcf_stat_t which);
void imcf_stats_get(imcf_stats_t *out);

#endif
