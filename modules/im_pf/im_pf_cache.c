#include <string.h>

#include "core/dprint.h"
#include "core/hashes.h"
#include "core/locking.h"
#include "core/mem/shm_mem.h"

#include "im_pf_cache.h"
#include "im_pf_db.h"

#define IMPF_SET_SLOTS 4096

typedef struct set_entry {
	struct set_entry *next;
	int len;
	char s[];
} set_entry_t;

typedef struct strset {
	set_entry_t *slots[IMPF_SET_SLOTS];
} strset_t;

typedef struct impf_cache {
	gen_lock_t lock;
	impf_policy_t operator_policy;
	strset_t *scopes; /* users with im_policy rows */
	strset_t *owners; /* users with access rules */
} impf_cache_t;

static impf_cache_t *cache = NULL;

static void set_free(strset_t *set)
{
	if(!set)
		return;
	for(int i = 0; i < IMPF_SET_SLOTS; i++) {
		while(set->slots[i]) {
			set_entry_t *e = set->slots[i];
			set->slots[i] = e->next;
			shm_free(e);
		}
	}
	shm_free(set);
}

static unsigned int slot(const char *s, int len)
{
	return get_hash1_raw(s, len) % IMPF_SET_SLOTS;
}

static int set_has(const strset_t *set, const char *s, int len)
{
	for(set_entry_t *e = set->slots[slot(s, len)]; e; e = e->next) {
		if(e->len == len && memcmp(e->s, s, len) == 0)
			return 1;
	}
	return 0;
}

/* fn of impf_db_select: adds the first column to the set */
static int set_add_row(char **v, int n, void *arg)
{
	strset_t *set = arg;
	int len = (int)strlen(v[0]);
	unsigned int i;
	set_entry_t *e;

	(void)n;
	if(len == 0 || (len == 1 && v[0][0] == '*') || set_has(set, v[0], len))
		return 0;
	e = shm_malloc(sizeof(*e) + len);
	if(!e) {
		SHM_MEM_ERROR;
		return 1;
	}
	i = slot(v[0], len);
	e->len = len;
	memcpy(e->s, v[0], len);
	e->next = set->slots[i];
	set->slots[i] = e;
	return 0;
}

static strset_t *load_set(const char *table, const char *column)
{
	const char *cols[] = {column};
	strset_t *set = shm_malloc(sizeof(*set));

	if(!set) {
		SHM_MEM_ERROR;
		return NULL;
	}
	memset(set, 0, sizeof(*set));
	if(impf_db_select(table, NULL, NULL, 0, cols, 1, set_add_row, set) < 0) {
		set_free(set);
		return NULL;
	}
	return set;
}

int impf_cache_init(void)
{
	cache = shm_malloc(sizeof(*cache));
	if(!cache) {
		SHM_MEM_ERROR;
		return -1;
	}
	memset(cache, 0, sizeof(*cache));
	lock_init(&cache->lock);
	return impf_cache_reload();
}

void impf_cache_destroy(void)
{
	if(!cache)
		return;
	set_free(cache->scopes);
	set_free(cache->owners);
	lock_destroy(&cache->lock);
	shm_free(cache);
	cache = NULL;
}

int impf_cache_reload(void)
{
	static const char *keys[] = {"scope"};
	static const char *cols[] = {"name", "value"};
	str any = str_init("*");
	impf_policy_t op;
	strset_t *scopes, *owners, *old_scopes, *old_owners;

	impf_policy_defaults(&op);
	if(impf_db_select("im_policy", keys, &any, 1, cols, 2, impf_policy_apply,
			   &op)
			< 0)
		return -1;
	scopes = load_set("im_policy", "scope");
	owners = scopes ? load_set("im_access_rule", "owner") : NULL;
	if(!scopes || !owners) {
		set_free(scopes);
		return -1;
	}
	lock_get(&cache->lock);
	cache->operator_policy = op;
	old_scopes = cache->scopes;
	old_owners = cache->owners;
	cache->scopes = scopes;
	cache->owners = owners;
	lock_release(&cache->lock);
	set_free(old_scopes);
	set_free(old_owners);
	return 0;
}

void impf_cache_operator_policy(impf_policy_t *p)
{
	lock_get(&cache->lock);
	*p = cache->operator_policy;
	lock_release(&cache->lock);
}

static int lookup(strset_t **which, const str *s)
{
	int found;

	if(!s || !s->len)
		return 0;
	lock_get(&cache->lock);
	found = *which && set_has(*which, s->s, s->len);
	lock_release(&cache->lock);
	return found;
}

int impf_cache_has_policy(const str *user)
{
	return lookup(&cache->scopes, user);
}

int impf_cache_has_rules(const str *owner)
{
	return lookup(&cache->owners, owner);
}
