#include <string.h>

#include "core/dprint.h"
#include "core/hashes.h"
#include "core/mem/shm_mem.h"
#include "core/timer.h"

#include "im_shm_str.h"

#include "im_ua_call.h"
#include "im_random.h"

typedef struct imua_table {
	unsigned int size; /* a power of two */
	imua_index_entry_t **slots;
	gen_lock_set_t *slot_locks;
	gen_lock_t list_lock; /* the list of all calls and its count */
	imua_call_t *all;
	unsigned int count;
	unsigned int next_id;
} imua_table_t;

static imua_table_t *tbl = NULL;

const char *imua_state_name(imua_state_t s)
{
	switch(s) {
		case IMUA_INVITING:
			return "inviting";
		case IMUA_ANSWERED:
			return "answered";
		case IMUA_CONFIRMED:
			return "confirmed";
		case IMUA_TERMINATING:
			return "terminating";
		case IMUA_ENDED:
			return "ended";
	}
	return "?";
}

const char *imua_mode_name(imua_mode_t m)
{
	switch(m) {
		case IMUA_MODE_UAS:
			return "uas";
		case IMUA_MODE_UAC:
			return "uac";
		default:
			return "b2b";
	}
}

int imua_dlg_leg(const imua_call_t *c)
{
	switch(c->mode) {
		case IMUA_MODE_UAS:
			return IMUA_LEG_A;
		case IMUA_MODE_UAC:
			return IMUA_LEG_B;
		default:
			return -1;
	}
}

int imua_leg_used(const imua_call_t *c, int leg)
{
	return c->mode == IMUA_MODE_B2B || imua_dlg_leg(c) == leg;
}

int imua_calls_init(int hash_size)
{
	unsigned int size = 1;

	while(size < (unsigned int)hash_size && size < (1u << 20))
		size <<= 1;
	tbl = shm_malloc(sizeof(*tbl));
	if(!tbl) {
		SHM_MEM_ERROR;
		return -1;
	}
	memset(tbl, 0, sizeof(*tbl));
	tbl->size = size;
	tbl->slots = shm_malloc(size * sizeof(*tbl->slots));
	if(!tbl->slots) {
		SHM_MEM_ERROR;
		return -1;
	}
	memset(tbl->slots, 0, size * sizeof(*tbl->slots));
	/* a lock per 16 slots is plenty for a few SIP workers */
	tbl->slot_locks = lock_set_alloc(size >= 16 ? size / 16 : 1);
	if(!tbl->slot_locks || !lock_set_init(tbl->slot_locks)) {
		LM_ERR("cannot create the call table locks\n");
		return -1;
	}
	lock_init(&tbl->list_lock);
	return 0;
}

static void leg_free_strings(imua_leg_t *l)
{
	str *all[] = {&l->call_id, &l->local_tag, &l->remote_tag, &l->local_uri,
			&l->remote_uri, &l->local_dname, &l->remote_dname,
			&l->remote_target, &l->route_set, &l->dst_uri, &l->contact,
			&l->allow, &l->version, &l->sdp, &l->sdp_type};

	for(size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if(all[i]->s)
			shm_free(all[i]->s);
		all[i]->s = NULL;
		all[i]->len = 0;
	}
}

static void call_free(imua_call_t *c)
{
	leg_free_strings(&c->leg[IMUA_LEG_A]);
	leg_free_strings(&c->leg[IMUA_LEG_B]);
	if(c->invite_hdrs.s)
		shm_free(c->invite_hdrs.s);
	if(c->best_hdrs.s)
		shm_free(c->best_hdrs.s);
	if(c->targets)
		shm_free(c->targets);
	lock_destroy(&c->lock);
	shm_free(c);
}

void imua_calls_destroy(void)
{
	if(!tbl)
		return;
	/* at shutdown no other process runs: free what is left */
	while(tbl->all) {
		imua_call_t *c = tbl->all;
		tbl->all = c->next_all;
		call_free(c);
	}
	if(tbl->slot_locks) {
		lock_set_destroy(tbl->slot_locks);
		lock_set_dealloc(tbl->slot_locks);
	}
	shm_free(tbl->slots);
	shm_free(tbl);
	tbl = NULL;
}

int imua_new_key(char *key, int keylen)
{
	unsigned int id;

	lock_get(&tbl->list_lock);
	id = ++tbl->next_id;
	lock_release(&tbl->list_lock);
	/* a counter plus randomness: a stale Contact never reaches a later
	 * call that happens to reuse the number */
	return snprintf(key, keylen, "%x%04x", id, im_random32() & 0xffff) < keylen
				   ? 0
				   : -1;
}

imua_call_t *imua_call_new(const char *key)
{
	imua_call_t *c = shm_malloc(sizeof(*c));

	if(!c) {
		SHM_MEM_ERROR;
		return NULL;
	}
	memset(c, 0, sizeof(*c));
	if(key && key[0])
		snprintf(c->key, sizeof(c->key), "%s", key);
	else
		imua_new_key(c->key, sizeof(c->key));
	lock_init(&c->lock);
	c->ref = 2; /* the caller's and the table's */
	c->created = get_ticks();
	lock_get(&tbl->list_lock);
	c->next_all = tbl->all;
	if(tbl->all)
		tbl->all->prev_all = c;
	tbl->all = c;
	tbl->count++;
	lock_release(&tbl->list_lock);
	return c;
}

static unsigned int slot_of(const str *key)
{
	return get_hash1_raw(key->s, key->len) & (tbl->size - 1);
}

static int lock_of(unsigned int slot)
{
	return (int)(slot % (unsigned int)tbl->slot_locks->size);
}

static void index_add(imua_index_entry_t *e)
{
	unsigned int slot = slot_of(&e->key);

	lock_set_get(tbl->slot_locks, lock_of(slot));
	e->next = tbl->slots[slot];
	tbl->slots[slot] = e;
	e->linked = 1;
	lock_set_release(tbl->slot_locks, lock_of(slot));
}

static void index_remove(imua_index_entry_t *e)
{
	unsigned int slot;

	if(!e->key.len)
		return;
	slot = slot_of(&e->key);
	lock_set_get(tbl->slot_locks, lock_of(slot));
	if(e->linked) {
		for(imua_index_entry_t **pp = &tbl->slots[slot]; *pp;
				pp = &(*pp)->next) {
			if(*pp == e) {
				*pp = e->next;
				break;
			}
		}
		e->linked = 0;
	}
	lock_set_release(tbl->slot_locks, lock_of(slot));
}

int imua_call_index(imua_call_t *c)
{
	c->ix[0].key = c->leg[IMUA_LEG_A].call_id;
	c->ix[0].leg = IMUA_LEG_A;
	c->ix[1].key = c->leg[IMUA_LEG_B].call_id;
	c->ix[1].leg = IMUA_LEG_B;
	c->ix[2].key.s = c->key;
	c->ix[2].key.len = strlen(c->key);
	c->ix[2].leg = -1;
	for(int i = 0; i < 3; i++) {
		if(!c->ix[i].key.len)
			continue;
		c->ix[i].call = c;
		index_add(&c->ix[i]);
	}
	return 0;
}

static imua_call_t *lookup(const str *key, int want_leg, int *leg)
{
	unsigned int slot;
	imua_call_t *found = NULL;

	if(!tbl || !key->len)
		return NULL;
	slot = slot_of(key);
	lock_set_get(tbl->slot_locks, lock_of(slot));
	for(imua_index_entry_t *e = tbl->slots[slot]; e; e = e->next) {
		if((want_leg >= 0) != (e->leg >= 0))
			continue;
		if(e->key.len == key->len && memcmp(e->key.s, key->s, key->len) == 0) {
			found = e->call;
			if(leg)
				*leg = e->leg;
			imua_call_ref(found);
			break;
		}
	}
	lock_set_release(tbl->slot_locks, lock_of(slot));
	return found;
}

imua_call_t *imua_call_by_callid(const str *callid, int *leg)
{
	return lookup(callid, 1, leg);
}

static int str_eq(const str *a, const str *b)
{
	return a->len == b->len && (a->len == 0 || memcmp(a->s, b->s, a->len) == 0);
}

imua_call_t *imua_call_by_dialog(
		const str *callid, const str *from_tag, const str *to_tag, int *leg)
{
	unsigned int slot;
	imua_call_t *found = NULL;

	if(!tbl || !callid->len)
		return NULL;
	slot = slot_of(callid);
	lock_set_get(tbl->slot_locks, lock_of(slot));
	for(imua_index_entry_t *e = tbl->slots[slot]; e && !found; e = e->next) {
		imua_leg_t *l;
		int match;

		if(e->leg < 0 || !str_eq(&e->key, callid))
			continue;
		l = &e->call->leg[e->leg];
		lock_get(&e->call->lock);
		/* a CANCEL (no To tag) names our UAS leg by its From tag only */
		match = str_eq(&l->remote_tag, from_tag)
				&& (to_tag ? str_eq(&l->local_tag, to_tag)
						   : e->leg == IMUA_LEG_A);
		if(match)
			e->call->ref++;
		lock_release(&e->call->lock);
		if(match) {
			found = e->call;
			*leg = e->leg;
		}
	}
	lock_set_release(tbl->slot_locks, lock_of(slot));
	return found;
}

imua_call_t *imua_call_by_key(const str *key)
{
	str k = *key;
	char *dash = memchr(k.s, '-', k.len);

	if(dash)
		k.len = (int)(dash - k.s);
	return lookup(&k, -1, NULL);
}

void imua_call_ref(imua_call_t *c)
{
	lock_get(&c->lock);
	c->ref++;
	lock_release(&c->lock);
}

void imua_call_unref(imua_call_t *c)
{
	int left;

	lock_get(&c->lock);
	left = --c->ref;
	lock_release(&c->lock);
	if(left == 0)
		call_free(c);
	else if(left < 0)
		LM_CRIT("call %s: reference count below zero\n", c->key);
}

void imua_call_unlink(imua_call_t *c)
{
	int was_listed = 0;

	for(int i = 0; i < 3; i++)
		index_remove(&c->ix[i]);
	lock_get(&tbl->list_lock);
	if(c->prev_all || tbl->all == c) {
		if(c->prev_all)
			c->prev_all->next_all = c->next_all;
		else
			tbl->all = c->next_all;
		if(c->next_all)
			c->next_all->prev_all = c->prev_all;
		c->next_all = c->prev_all = NULL;
		tbl->count--;
		was_listed = 1;
	}
	lock_release(&tbl->list_lock);
	if(was_listed)
		imua_call_unref(c);
}

void imua_calls_foreach(int (*fn)(imua_call_t *c, void *arg), void *arg)
{
	unsigned int n = 0, i;
	imua_call_t **snap;

	/* a snapshot, so fn may end calls (and unlink them) as it goes */
	lock_get(&tbl->list_lock);
	snap = tbl->count ? pkg_malloc(tbl->count * sizeof(*snap)) : NULL;
	if(snap) {
		for(imua_call_t *c = tbl->all; c && n < tbl->count; c = c->next_all) {
			imua_call_ref(c);
			snap[n++] = c;
		}
	} else if(tbl->count) {
		PKG_MEM_ERROR;
	}
	lock_release(&tbl->list_lock);
	for(i = 0; i < n; i++) {
		if(fn(snap[i], arg))
			break;
	}
	for(i = 0; i < n; i++)
		imua_call_unref(snap[i]);
	if(snap)
		pkg_free(snap);
}

unsigned int imua_calls_count(void)
{
	unsigned int n;

	lock_get(&tbl->list_lock);
	n = tbl->count;
	lock_release(&tbl->list_lock);
	return n;
}

int imua_str_set(str *dst, const char *s, int len)
{
	return im_shm_str_set(dst, s, len);
}

void imua_call_abandon(imua_call_t *c)
{
	/* nothing was answered or sent: the owner keeps its resources */
	c->hooks = NULL;
	c->dlg_hooks = NULL;
	c->state = IMUA_ENDED;
	imua_call_unlink(c);
	imua_call_unref(c);
}
