#include <stdio.h>
#include <string.h>

#include "core/dprint.h"
#include "core/locking.h"
#include "core/mem/shm_mem.h"

#include "im_pf_settings.h"
#include "im_pf_ts1.h"

#define TS1_MAX 1024

typedef struct ts1_entry {
	char key[IMPF_AOR_MAX]; /* "sip:user@host"; empty: free */
	time_t since;
} ts1_entry_t;

int impf_ts1 = 300;
str impf_ts1_error_info = STR_NULL;

static ts1_entry_t *tab;
static gen_lock_t *lock;

int impf_ts1_init(void)
{
	if(impf_ts1 < 0) {
		LM_ERR("ts1 must be 0 or more seconds\n");
		return -1;
	}
	tab = shm_malloc(sizeof(*tab) * TS1_MAX);
	lock = lock_alloc();
	if(!tab || !lock || !lock_init(lock)) {
		SHM_MEM_ERROR;
		return -1;
	}
	memset(tab, 0, sizeof(*tab) * TS1_MAX);
	return 0;
}

void impf_ts1_destroy(void)
{
	if(lock) {
		lock_destroy(lock);
		lock_dealloc(lock);
		lock = NULL;
	}
	if(tab) {
		shm_free(tab);
		tab = NULL;
	}
}

/* Under the lock: the entry of key, or NULL. */
static ts1_entry_t *find(const char *key)
{
	for(int i = 0; i < TS1_MAX; i++)
		if(tab[i].key[0] && strcmp(tab[i].key, key) == 0)
			return &tab[i];
	return NULL;
}

int impf_ts1_start(const str *user)
{
	return impf_ts1_start_at(user, time(NULL));
}

int impf_ts1_start_at(const str *user, time_t since)
{
	char key[IMPF_AOR_MAX];
	ts1_entry_t *e;

	if(impf_settings_key(user, key, sizeof(key)) < 0)
		return -1;
	lock_get(lock);
	e = find(key);
	for(int i = 0; !e && i < TS1_MAX; i++)
		if(!tab[i].key[0])
			e = &tab[i];
	if(e && (!e->key[0] || since < e->since)) {
		/* the oldest response owed counts */
		snprintf(e->key, sizeof(e->key), "%s", key);
		e->since = since;
	}
	lock_release(lock);
	if(!e)
		LM_ERR("Ts1: %d responses pending already, none kept for %s\n",
				TS1_MAX, key);
	return e ? 0 : -1;
}

int impf_ts1_blocked(const str *user, time_t now, char *out, int outlen)
{
	char key[IMPF_AOR_MAX];
	ts1_entry_t *e;
	int blocked;

	if(!tab || impf_settings_key(user, key, sizeof(key)) < 0)
		return 0;
	lock_get(lock);
	e = find(key);
	blocked = e && now >= e->since + impf_ts1;
	lock_release(lock);
	if(!blocked)
		return 0;
	if(impf_ts1_error_info.len)
		snprintf(out, outlen, "%.*s", impf_ts1_error_info.len,
				impf_ts1_error_info.s);
	else
		snprintf(out, outlen, "sip:system@%s", strchr(key, '@') + 1);
	return 1;
}

int impf_ts1_clear(const str *user)
{
	char key[IMPF_AOR_MAX];
	ts1_entry_t *e;

	if(impf_settings_key(user, key, sizeof(key)) < 0)
		return -1;
	lock_get(lock);
	e = find(key);
	if(e)
		e->key[0] = '\0';
	lock_release(lock);
	return e ? 1 : 0;
}

void impf_ts1_foreach(void (*fn)(const char *user, int seconds, int blocked,
							  void *arg),
		void *arg)
{
	time_t now = time(NULL);

	lock_get(lock);
	for(int i = 0; i < TS1_MAX; i++)
		if(tab[i].key[0])
			fn(tab[i].key, (int)(now - tab[i].since),
					now >= tab[i].since + impf_ts1, arg);
	lock_release(lock);
}
