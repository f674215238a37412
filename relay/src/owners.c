#include "owners.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "session.h"

typedef struct owner {
	char name[OWNER_NAME_MAX];
	char boot_id[OWNER_BOOT_ID_MAX];
	uint64_t last_seen_ms;
	struct owner *next;
} owner_t;

static owner_t *owners;
static size_t nowners;
static unsigned timeout_s = 10;
static unsigned long expired_total, sessions_released;

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void owners_set_timeout(unsigned t)
{
	timeout_s = t;
}

unsigned owners_timeout(void)
{
	return timeout_s;
}

static owner_t *find(const char *name, const char *boot_id)
{
	for(owner_t *o = owners; o; o = o->next)
		if(strcmp(o->name, name) == 0 && strcmp(o->boot_id, boot_id) == 0)
			return o;
	return NULL;
}

int owners_touch_at(const char *name, const char *boot_id, uint64_t now,
		char *err, size_t errlen)
{
	owner_t *o;

	if(strlen(name) >= OWNER_NAME_MAX || strlen(boot_id) >= OWNER_BOOT_ID_MAX
			|| name[0] == '\0' || boot_id[0] == '\0') {
		snprintf(err, errlen,
				"owner (1..%d characters) and owner_boot_id (1..%d) required "
				"together",
				OWNER_NAME_MAX - 1, OWNER_BOOT_ID_MAX - 1);
		return -1;
	}
	o = find(name, boot_id);
	if(o == NULL) {
		if(nowners >= OWNERS_MAX) {
			snprintf(err, errlen, "too many owners (%d)", OWNERS_MAX);
			return -1;
		}
		o = calloc(1, sizeof(*o));
		if(o == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		snprintf(o->name, sizeof(o->name), "%s", name);
		snprintf(o->boot_id, sizeof(o->boot_id), "%s", boot_id);
		o->next = owners;
		owners = o;
		nowners++;
		ilog(session, LOG_INFO, "owner %s (boot id %s) holds a lease", name,
				boot_id);
	}
	o->last_seen_ms = now;
	return 0;
}

int owners_touch(const char *name, const char *boot_id, char *err, size_t errlen)
{
	return owners_touch_at(name, boot_id, now_ms(), err, errlen);
}

static int owns(const owner_t *o, const session_t *s)
{
	return strcmp(s->owner, o->name) == 0
		   && strcmp(s->owner_boot_id, o->boot_id) == 0;
}

/* Destroys o's sessions; returns how many there were. */
static size_t release(const owner_t *o)
{
	session_t *s = sessions_all(), *next;
	size_t n = 0;

	for(; s; s = next) {
		next = s->hh.next;
		if(owns(o, s)) {
			session_destroy(s, "its owner's lease expired");
			n++;
		}
	}
	return n;
}

size_t owners_expire_at(uint64_t now)
{
	owner_t **pp = &owners;
	size_t total = 0;

	if(timeout_s == 0)
		return 0;
	while(*pp) {
		owner_t *o = *pp;
		uint64_t silent = now - o->last_seen_ms;
		size_t n;

		if(now < o->last_seen_ms || silent < (uint64_t)timeout_s * 1000) {
			pp = &o->next;
			continue;
		}
		n = release(o);
		ilog(session, n ? LOG_WARN : LOG_INFO,
				"owner %s (boot id %s) silent for %llu s: lease expired, %zu "
				"session(s) released",
				o->name, o->boot_id, (unsigned long long)(silent / 1000), n);
		expired_total++;
		sessions_released += n;
		total += n;
		*pp = o->next;
		nowners--;
		free(o);
	}
	return total;
}

size_t owners_expire(void)
{
	return owners_expire_at(now_ms());
}

int owners_param(json_t *params, const char **name, const char **boot_id,
		char *err, size_t errlen)
{
	json_t *n = json_object_get(params, "owner");
	json_t *b = json_object_get(params, "owner_boot_id");

	*name = *boot_id = NULL;
	if((n == NULL || json_is_null(n)) && (b == NULL || json_is_null(b)))
		return 0;
	if(!json_is_string(n) || !json_is_string(b)) {
		snprintf(err, errlen, "owner and owner_boot_id: two strings, both or "
							  "neither");
		return -1;
	}
	*name = json_string_value(n);
	*boot_id = json_string_value(b);
	if(strlen(*name) >= OWNER_NAME_MAX || strlen(*boot_id) >= OWNER_BOOT_ID_MAX
			|| !**name || !**boot_id) {
		snprintf(err, errlen,
				"owner (1..%d characters) and owner_boot_id (1..%d) required "
				"together",
				OWNER_NAME_MAX - 1, OWNER_BOOT_ID_MAX - 1);
		return -1;
	}
	return 1;
}

json_t *owners_stats(void)
{
	json_t *list = json_array();
	uint64_t now = now_ms();

	for(owner_t *o = owners; o; o = o->next) {
		size_t n = 0;
		for(session_t *s = sessions_all(); s; s = s->hh.next)
			n += owns(o, s);
		json_array_append_new(list,
				json_pack("{s:s, s:s, s:I, s:I}", "owner", o->name,
						"owner_boot_id", o->boot_id, "sessions", (json_int_t)n,
						"silent_ms", (json_int_t)(now - o->last_seen_ms)));
	}
	return json_pack("{s:i, s:o, s:I, s:I}", "timeout_s", (int)timeout_s,
			"leases", list, "expired", (json_int_t)expired_total,
			"sessions_released", (json_int_t)sessions_released);
}

void owners_clear(void)
{
	while(owners) {
		owner_t *o = owners;
		owners = o->next;
		free(o);
	}
	nowners = 0;
}
