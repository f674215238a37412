#include <string.h>

#include "core/dprint.h"
#include "core/hashes.h"
#include "core/mem/mem.h"
#include "core/mem/shm_mem.h"

#include "im_cf_table.h"

typedef struct imcf_slot
{
	imcf_session_t *first;
	gen_lock_t lock;
} imcf_slot_t;

typedef struct imcf_table
{
	unsigned int size; /* a power of two */
	gen_lock_t count_lock;
	unsigned int count;
	imcf_stats_t stats;
	imcf_slot_t slots[];
} imcf_table_t;

static imcf_table_t *table;

int imcf_table_init(unsigned int size)
{
	unsigned int n = 1;

	while(n < size && n < (1u << 16))
		n <<= 1;
	table = shm_malloc(sizeof(*table) + n * sizeof(imcf_slot_t));
	if(!table) {
		SHM_MEM_ERROR;
		return -1;
	}
	memset(table, 0, sizeof(*table) + n * sizeof(imcf_slot_t));
	table->size = n;
	lock_init(&table->count_lock);
	for(unsigned int i = 0; i < n; i++)
		lock_init(&table->slots[i].lock);
	return 0;
}

static void session_free(imcf_session_t *s)
{
	if(s->answer.s)
		shm_free(s->answer.s);
	if(s->offered_wrapped.s)
		shm_free(s->offered_wrapped.s);
	if(s->list.s)
		shm_free(s->list.s);
	if(s->sender_offer.s)
		shm_free(s->sender_offer.s);
	shm_free(s);
}

void imcf_table_destroy(void)
{
	if(!table)
		return;
	for(unsigned int i = 0; i < table->size; i++) {
		imcf_session_t *s = table->slots[i].first, *next;

		for(; s; s = next) {
			next = s->next;
			session_free(s);
		}
	}
	shm_free(table);
	table = NULL;
}

static unsigned int slot_of(const char *id)
{
	str s = {(char *)id, (int)strlen(id)};

	return core_hash(&s, NULL, table->size);
}

static imcf_session_t *find(imcf_slot_t *slot, const char *id)
{
	for(imcf_session_t *s = slot->first; s; s = s->next) {
		if(strcmp(s->conf.id, id) == 0)
			return s;
	}
	return NULL;
}

imcf_session_t *imcf_session_new(const char *id, int cap)
{
	size_t conf = imcf_conf_size(cap), len;
	imcf_session_t *s;
	imcf_slot_t *slot;

	if(cap <= 0 || cap > IMCF_MAX_PARTICIPANTS)
		cap = IMCF_MAX_PARTICIPANTS;
	len = offsetof(imcf_session_t, conf) + conf
		  + (size_t)cap * sizeof(imr_leg_t);
	s = shm_malloc(len);
	if(!s) {
		SHM_MEM_ERROR;
		return NULL;
	}
	memset(s, 0, len);
	s->legs = (imr_leg_t *)((char *)&s->conf + conf);
	s->relay.relay = -1;
	/* the caller completes conf with imcf_conf_init under the lock */
	snprintf(s->conf.id, sizeof(s->conf.id), "%s", id);
	s->conf.cap = cap;
	s->slot = slot_of(id);
	s->refs = 2;
	s->linked = 1;
	slot = &table->slots[s->slot];
	lock_get(&slot->lock);
	if(find(slot, id)) {
		lock_release(&slot->lock);
		shm_free(s);
		return NULL;
	}
	s->next = slot->first;
	if(slot->first)
		slot->first->prev = s;
	slot->first = s;
	lock_release(&slot->lock);
	lock_get(&table->count_lock);
	table->count++;
	table->stats.created++;
	lock_release(&table->count_lock);
	return s;
}

imcf_session_t *imcf_session_get(const char *id)
{
	imcf_slot_t *slot = &table->slots[slot_of(id)];
	imcf_session_t *s;

	lock_get(&slot->lock);
	s = find(slot, id);
	if(s)
		s->refs++;
	lock_release(&slot->lock);
	return s;
}

void imcf_session_ref(imcf_session_t *s)
{
	lock_get(&table->slots[s->slot].lock);
	s->refs++;
	lock_release(&table->slots[s->slot].lock);
}

void imcf_session_put(imcf_session_t *s)
{
	int last;

	lock_get(&table->slots[s->slot].lock);
	last = --s->refs == 0;
	lock_release(&table->slots[s->slot].lock);
	if(last)
		session_free(s);
}

void imcf_session_unlink(imcf_session_t *s)
{
	imcf_slot_t *slot = &table->slots[s->slot];
	int was_linked;

	lock_get(&slot->lock);
	was_linked = s->linked;
	if(was_linked) {
		if(s->prev)
			s->prev->next = s->next;
		else
			slot->first = s->next;
		if(s->next)
			s->next->prev = s->prev;
		s->next = s->prev = NULL;
		s->linked = 0;
	}
	lock_release(&slot->lock);
	if(!was_linked)
		return;
	lock_get(&table->count_lock);
	table->count--;
	table->stats.released++;
	lock_release(&table->count_lock);
	imcf_session_put(s);
}

void imcf_session_lock(imcf_session_t *s)
{
	lock_get(&table->slots[s->slot].lock);
}

void imcf_session_unlock(imcf_session_t *s)
{
	lock_release(&table->slots[s->slot].lock);
}

void imcf_table_foreach(int (*fn)(imcf_session_t *s, void *arg), void *arg)
{
	for(unsigned int i = 0; i < table->size; i++) {
		imcf_slot_t *slot = &table->slots[i];
		imcf_session_t **all;
		int n = 0, k = 0, stop = 0;

		/* a reference on each session of the slot first: fn may release
		 * one (and so unlink it) or add others */
		lock_get(&slot->lock);
		for(imcf_session_t *s = slot->first; s; s = s->next)
			n++;
		all = n ? pkg_malloc(n * sizeof(*all)) : NULL;
		if(n && !all) {
			lock_release(&slot->lock);
			PKG_MEM_ERROR;
			return;
		}
		for(imcf_session_t *s = slot->first; s; s = s->next) {
			s->refs++;
			all[k++] = s;
		}
		lock_release(&slot->lock);
		for(k = 0; k < n; k++) {
			if(!stop)
				stop = fn(all[k], arg);
			imcf_session_put(all[k]);
		}
		if(all)
			pkg_free(all);
		if(stop)
			return;
	}
}

unsigned int imcf_table_count(void)
{
	return table ? table->count : 0;
}

void imcf_stats_inc(imcf_stat_t which)
{
	lock_get(&table->count_lock);
	if(which == IMCF_STAT_REFUSED)
		table->stats.refused++;
	else
		table->stats.invitations++;
	lock_release(&table->count_lock);
}

void imcf_stats_get(imcf_stats_t *out)
{
	lock_get(&table->count_lock);
	*out = table->stats;
	lock_release(&table->count_lock);
}
