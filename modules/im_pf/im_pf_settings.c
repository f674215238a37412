#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/dprint.h"
#include "core/hashes.h"
#include "core/locking.h"
#include "core/mem/shm_mem.h"
#include "core/parser/parse_uri.h"

#include "im_pf_db.h"
#include "im_pf_settings.h"
#include "im_random.h"

#define SLOTS 512

int impf_settings_min_expires = 60;
int impf_settings_max_expires = 86400;
int impf_settings_default_expires = 3600;
int impf_settings_timer = 10;

typedef struct entry {
	struct entry *next;
	impf_settings_info_t i;
} entry_t;

typedef struct table {
	gen_lock_set_t *locks; /* one per slot */
	entry_t *slots[SLOTS];
} table_t;

static table_t *tbl = NULL;

static const char *key_cols[] = {"aor"};
static const char *cols[] = {"aor", "etag", "expires", "isb", "ipab",
		"offline_delivery", "vis_status", "hist_session", "hist_pager"};
#define NCOLS ((int)(sizeof(cols) / sizeof(cols[0])))

static unsigned int slot_of(const char *key)
{
	return get_hash1_raw(key, strlen(key)) % SLOTS;
}

static entry_t **find(unsigned int slot, const char *key)
{
	entry_t **pp = &tbl->slots[slot];

	while(*pp && strcmp((*pp)->i.aor, key) != 0)
		pp = &(*pp)->next;
	return pp;
}

static int live(const entry_t *e, time_t now)
{
	return e && e->i.expires > (long long)now;
}

int impf_settings_key(const str *uri, char *out, int outlen)
{
	struct sip_uri u;
	int n;

	if(!uri || !uri->len || parse_uri(uri->s, uri->len, &u) < 0 || !u.user.len
			|| !u.host.len)
		return -1;
	n = snprintf(out, outlen, "sip:%.*s@%.*s", u.user.len, u.user.s,
			u.host.len, u.host.s);
	if(n < 0 || n >= outlen)
		return -1;
	for(char *p = out + 4 + u.user.len + 1; *p; p++)
		*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
	return 0;
}

/* impf_db_select row: one publication into the table */
static int load_row(char **v, int n, void *arg)
{
	entry_t *e;
	unsigned int slot;
	int *flags[6];

	(void)n;
	(void)arg;
	if(!v[0][0] || strlen(v[0]) >= IMPF_AOR_MAX
			|| strlen(v[1]) > IMPF_ETAG_LEN)
		return 0;
	e = shm_malloc(sizeof(*e));
	if(!e) {
		SHM_MEM_ERROR;
		return 1;
	}
	memset(e, 0, sizeof(*e));
	strcpy(e->i.aor, v[0]);
	strcpy(e->i.etag, v[1]);
	e->i.expires = strtoll(v[2], NULL, 10);
	flags[0] = &e->i.s.isb;
	flags[1] = &e->i.s.ipab;
	flags[2] = &e->i.s.offline_delivery;
	flags[3] = &e->i.s.vis_status;
	flags[4] = &e->i.s.hist_session;
	flags[5] = &e->i.s.hist_pager;
	for(int c = 0; c < 6; c++)
		*flags[c] = atoi(v[3 + c]) != 0;
	slot = slot_of(e->i.aor);
	e->next = tbl->slots[slot];
	tbl->slots[slot] = e;
	return 0;
}

int impf_settings_init(void)
{
	tbl = shm_malloc(sizeof(*tbl));
	if(!tbl) {
		SHM_MEM_ERROR;
		return -1;
	}
	memset(tbl, 0, sizeof(*tbl));
	tbl->locks = lock_set_alloc(SLOTS);
	if(!tbl->locks || !lock_set_init(tbl->locks)) {
		LM_ERR("cannot create the settings locks\n");
		return -1;
	}
	/* expired rows too: the timer removes them from both */
	if(impf_db_select("im_settings", NULL, NULL, 0, cols, NCOLS, load_row, NULL)
			< 0) {
		LM_ERR("cannot read im_settings\n");
		return -1;
	}
	return 0;
}

void impf_settings_destroy(void)
{
	if(!tbl)
		return;
	for(int i = 0; i < SLOTS; i++) {
		while(tbl->slots[i]) {
			entry_t *e = tbl->slots[i];
			tbl->slots[i] = e->next;
			shm_free(e);
		}
	}
	if(tbl->locks) {
		lock_set_destroy(tbl->locks);
		lock_set_dealloc(tbl->locks);
	}
	shm_free(tbl);
	tbl = NULL;
}

int impf_settings_find(const str *uri, impf_settings_info_t *out)
{
	char key[IMPF_AOR_MAX];
	unsigned int slot;
	entry_t *e;
	int found;

	if(impf_settings_key(uri, key, sizeof(key)) < 0)
		return 0;
	slot = slot_of(key);
	lock_set_get(tbl->locks, slot);
	e = *find(slot, key);
	found = live(e, time(NULL));
	if(found)
		*out = e->i;
	lock_set_release(tbl->locks, slot);
	return found;
}

int impf_settings_get(const str *uri, im_settings_t *s)
{
	impf_settings_info_t i;

	if(impf_settings_find(uri, &i)) {
		*s = i.s;
		return 1;
	}
	im_settings_defaults(s);
	return 0;
}

static int store_row(const impf_settings_info_t *i)
{
	char text[NCOLS][32];
	str v[NCOLS];
	const int flags[] = {i->s.isb, i->s.ipab, i->s.offline_delivery,
			i->s.vis_status, i->s.hist_session, i->s.hist_pager};

	v[0].s = (char *)i->aor;
	v[0].len = strlen(i->aor);
	v[1].s = (char *)i->etag;
	v[1].len = strlen(i->etag);
	v[2].len = snprintf(text[2], sizeof(text[2]), "%lld", i->expires);
	v[2].s = text[2];
	for(int c = 0; c < 6; c++) {
		v[3 + c].len = snprintf(text[3 + c], sizeof(text[3 + c]), "%d", flags[c]);
		v[3 + c].s = text[3 + c];
	}
	return impf_db_put("im_settings", key_cols, v, 1, cols, v, NCOLS);
}

static int delete_row(const impf_settings_info_t *i)
{
	static const char *keys[] = {"aor", "etag"};
	str v[2] = {{(char *)i->aor, strlen(i->aor)},
			{(char *)i->etag, strlen(i->etag)}};

	return impf_db_del("im_settings", keys, v, 2) < 0 ? -1 : 0;
}

/* Under the slot lock: the step on entry *pp (NULL: none). */
static impf_pub_result_t apply(entry_t **pp, const char *key,
		const str *if_match, const im_settings_t *s, int expires, char *etag)
{
	time_t now = time(NULL);
	entry_t *e = *pp;
	impf_settings_info_t n;

	etag[0] = '\0';
	if(if_match
			&& (!live(e, now) || (size_t)if_match->len != strlen(e->i.etag)
					|| memcmp(if_match->s, e->i.etag, if_match->len) != 0))
		return IMPF_PUB_NO_MATCH;
	if(expires == 0) {
		/* a removal, or an initial publication that expires at once */
		if(!if_match)
			return IMPF_PUB_OK;
		if(delete_row(&e->i) < 0)
			return IMPF_PUB_ERROR;
		*pp = e->next;
		shm_free(e);
		return IMPF_PUB_OK;
	}
	if(!s && !e)
		return IMPF_PUB_ERROR;
	memset(&n, 0, sizeof(n));
	snprintf(n.aor, sizeof(n.aor), "%s", key);
	im_random_hex(n.etag, IMPF_ETAG_LEN);
	n.expires = (long long)now + expires;
	n.s = s ? *s : e->i.s;
	if(!e) {
		e = shm_malloc(sizeof(*e));
		if(!e) {
			SHM_MEM_ERROR;
			return IMPF_PUB_ERROR;
		}
		e->next = NULL;
	}
	if(store_row(&n) < 0) {
		if(!*pp)
			shm_free(e);
		return IMPF_PUB_ERROR;
	}
	e->i = n;
	if(!*pp)
		*pp = e;
	memcpy(etag, n.etag, IMPF_ETAG_LEN + 1);
	return IMPF_PUB_OK;
}

impf_pub_result_t impf_settings_publish(const char *key, const str *if_match,
		const im_settings_t *s, int expires, char *etag)
{
	unsigned int slot = slot_of(key);
	impf_pub_result_t r;

	lock_set_get(tbl->locks, slot);
	r = apply(find(slot, key), key, if_match, s, expires, etag);
	lock_set_release(tbl->locks, slot);
	return r;
}

int impf_settings_remove(const str *uri)
{
	char key[IMPF_AOR_MAX];
	unsigned int slot;
	entry_t **pp, *e;
	int r = 0;

	if(impf_settings_key(uri, key, sizeof(key)) < 0)
		return 0;
	slot = slot_of(key);
	lock_set_get(tbl->locks, slot);
	pp = find(slot, key);
	e = *pp;
	if(e && delete_row(&e->i) < 0) {
		r = -1;
	} else if(e) {
		*pp = e->next;
		shm_free(e);
		r = 1;
	}
	lock_set_release(tbl->locks, slot);
	return r;
}

int impf_settings_foreach(
		int (*fn)(const impf_settings_info_t *i, void *arg), void *arg)
{
	time_t now = time(NULL);
	impf_settings_info_t copy;
	int n = 0, stop = 0;

	for(unsigned int slot = 0; slot < SLOTS && !stop; slot++) {
		/* one entry at a time: fn runs without a lock held */
		for(int k = 0; !stop; k++) {
			entry_t *e;
			int j = 0, got = 0;
			lock_set_get(tbl->locks, slot);
			for(e = tbl->slots[slot]; e; e = e->next) {
				if(live(e, now) && j++ == k) {
					copy = e->i;
					got = 1;
					break;
				}
			}
			lock_set_release(tbl->locks, slot);
			if(!got)
				break;
			n++;
			stop = fn(&copy, arg) != 0;
		}
	}
	return n;
}

void impf_settings_timer_tick(unsigned int ticks, void *param)
{
	time_t now = time(NULL);

	(void)ticks;
	(void)param;
	for(unsigned int slot = 0; slot < SLOTS; slot++) {
		entry_t **pp;
		if(!tbl->slots[slot])
			continue;
		lock_set_get(tbl->locks, slot);
		pp = &tbl->slots[slot];
		while(*pp) {
			entry_t *e = *pp;
			if(live(e, now)) {
				pp = &e->next;
				continue;
			}
			if(delete_row(&e->i) < 0) {
				/* the database is away: the next tick tries again */
				break;
			}
			LM_DBG("settings of %s expired\n", e->i.aor);
			*pp = e->next;
			shm_free(e);
		}
		lock_set_release(tbl->locks, slot);
	}
}
