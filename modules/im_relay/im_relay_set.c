#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dprint.h"
#include "core/mem/mem.h"
#include "core/mem/shm_mem.h"
#include "core/ut.h"

#include "im_relay_set.h"

imr_relay_t *imr_relays = NULL;
int imr_relay_count = 0;

/* modparam values collected in pkg until mod_init copies them to shm */
typedef struct imr_relay_spec {
	imr_relay_t relay;
	struct imr_relay_spec *next;
} imr_relay_spec_t;

static imr_relay_spec_t *imr_specs = NULL;

const char *imr_state_name(imr_state_t state)
{
	switch(state) {
		case IMR_STATE_UNKNOWN:
			return "unknown";
		case IMR_STATE_UP:
			return "up";
		case IMR_STATE_DOWN:
			return "down";
	}
	return "?";
}

static int copy_attr(char *dst, size_t dstlen, const char *v, size_t vlen)
{
	if(vlen == 0 || vlen >= dstlen)
		return -1;
	memcpy(dst, v, vlen);
	dst[vlen] = '\0';
	return 0;
}

/* "<address>[;name=<name>][;weight=<n>]" */
static int parse_relay_spec(const char *text, imr_relay_t *r)
{
	char err[128];
	const char *end = text + strlen(text);
	const char *semi = strchr(text, ';');
	const char *addr_end = semi ? semi : end;
	int weight;

	memset(r, 0, sizeof(*r));
	r->weight = 1;
	if(im_addr_parse(text, (size_t)(addr_end - text), &r->addr, err,
			   sizeof(err))
			< 0) {
		LM_ERR("relay '%s': %s\n", text, err);
		return -1;
	}
	if(r->addr.proto == IM_ADDR_UDP) {
		LM_ERR("relay '%s': the control channel is a stream, use tcp: or "
			   "unix:\n",
				text);
		return -1;
	}
	im_addr_format(&r->addr, r->addr_text, sizeof(r->addr_text));

	while(semi) {
		const char *attr = semi + 1;
		const char *eq, *aend;
		semi = strchr(attr, ';');
		aend = semi ? semi : end;
		eq = memchr(attr, '=', (size_t)(aend - attr));
		if(!eq) {
			LM_ERR("relay '%s': attribute without '='\n", text);
			return -1;
		}
		if(eq - attr == 4 && memcmp(attr, "name", 4) == 0) {
			if(copy_attr(r->name, sizeof(r->name), eq + 1,
					   (size_t)(aend - eq - 1))
					< 0) {
				LM_ERR("relay '%s': name empty or longer than %d\n", text,
						IMR_NAME_MAX - 1);
				return -1;
			}
		} else if(eq - attr == 6 && memcmp(attr, "weight", 6) == 0) {
			str w = {(char *)eq + 1, (int)(aend - eq - 1)};
			if(str2sint(&w, &weight) < 0 || weight < 0 || weight > 1000) {
				LM_ERR("relay '%s': weight must be 0..1000\n", text);
				return -1;
			}
			r->weight = weight;
		} else {
			LM_ERR("relay '%s': unknown attribute '%.*s'\n", text,
					(int)(eq - attr), attr);
			return -1;
		}
	}
	if(r->name[0] == '\0')
		snprintf(r->name, sizeof(r->name), "%s", r->addr_text);
	return 0;
}

int imr_relay_param(modparam_t type, void *val)
{
	imr_relay_spec_t *spec, **tail;

	if(!(type & PARAM_STRING) || val == NULL)
		return -1;
	spec = pkg_malloc(sizeof(*spec));
	if(spec == NULL) {
		PKG_MEM_ERROR;
		return -1;
	}
	if(parse_relay_spec((const char *)val, &spec->relay) < 0) {
		pkg_free(spec);
		return -1;
	}
	for(imr_relay_spec_t *s = imr_specs; s; s = s->next) {
		if(strcmp(s->relay.name, spec->relay.name) == 0) {
			LM_ERR("relay name '%s' configured twice\n", spec->relay.name);
			pkg_free(spec);
			return -1;
		}
	}
	spec->next = NULL;
	for(tail = &imr_specs; *tail; tail = &(*tail)->next)
		;
	*tail = spec;
	return 0;
}

int imr_relays_init(void)
{
	imr_relay_spec_t *s, *next;
	int n = 0;

	for(s = imr_specs; s; s = s->next)
		n++;
	imr_relay_count = n;
	if(n == 0)
		return 0;
	imr_relays = shm_malloc(sizeof(imr_relay_t) * n);
	if(imr_relays == NULL) {
		SHM_MEM_ERROR;
		return -1;
	}
	n = 0;
	for(s = imr_specs; s; s = next) {
		next = s->next;
		imr_relays[n] = s->relay;
		imr_relays[n].index = n;
		imr_relays[n].state = IMR_STATE_UNKNOWN;
		imr_relays[n].state_since = time(NULL);
		if(lock_init(&imr_relays[n].lock) == NULL) {
			LM_ERR("cannot init relay lock\n");
			return -1;
		}
		pkg_free(s);
		n++;
	}
	imr_specs = NULL;
	return 0;
}

void imr_relays_destroy(void)
{
	if(imr_relays) {
		for(int i = 0; i < imr_relay_count; i++)
			lock_destroy(&imr_relays[i].lock);
		shm_free(imr_relays);
		imr_relays = NULL;
	}
}

imr_relay_t *imr_relay_find(const str *key)
{
	for(int i = 0; i < imr_relay_count; i++) {
		imr_relay_t *r = &imr_relays[i];
		int found;
		lock_get(&r->lock);
		found = (strlen(r->name) == (size_t)key->len
						&& memcmp(r->name, key->s, key->len) == 0)
				|| (strlen(r->instance) == (size_t)key->len
						&& memcmp(r->instance, key->s, key->len) == 0)
				|| (strlen(r->addr_text) == (size_t)key->len
						&& memcmp(r->addr_text, key->s, key->len) == 0);
		lock_release(&r->lock);
		if(found)
			return r;
	}
	return NULL;
}

/* caller holds r->lock */
static void set_state_locked(imr_relay_t *r, imr_state_t state, const char *why)
{
	if(r->state == state)
		return;
	if(state == IMR_STATE_DOWN)
		LM_WARN("relay %s (%s) is down: %s\n", r->name, r->addr_text,
				why ? why : "");
	else if(state == IMR_STATE_UP)
		LM_INFO("relay %s (%s) is up\n", r->name, r->addr_text);
	r->state = state;
	r->state_since = time(NULL);
}

void imr_relay_set_state(imr_relay_t *r, imr_state_t state, const char *why)
{
	lock_get(&r->lock);
	if(why && state == IMR_STATE_DOWN)
		snprintf(r->last_error, sizeof(r->last_error), "%s", why);
	set_state_locked(r, state, why);
	lock_release(&r->lock);
}

void imr_relay_record_ok(imr_relay_t *r, unsigned int rtt_us)
{
	lock_get(&r->lock);
	r->requests++;
	r->last_rtt_us = rtt_us;
	set_state_locked(r, IMR_STATE_UP, NULL);
	lock_release(&r->lock);
}

void imr_relay_record_failure(imr_relay_t *r, int timed_out, const char *err)
{
	lock_get(&r->lock);
	r->requests++;
	r->failures++;
	if(timed_out)
		r->timeouts++;
	snprintf(r->last_error, sizeof(r->last_error), "%s", err);
	set_state_locked(r, IMR_STATE_DOWN, err);
	lock_release(&r->lock);
}

int imr_relay_record_identity(
		imr_relay_t *r, const char *instance, const char *boot_id)
{
	int restarted = 0;

	lock_get(&r->lock);
	if(instance && instance[0])
		snprintf(r->instance, sizeof(r->instance), "%s", instance);
	if(boot_id && boot_id[0]) {
		restarted = r->boot_id[0] != '\0' && strcmp(r->boot_id, boot_id) != 0;
		snprintf(r->boot_id, sizeof(r->boot_id), "%s", boot_id);
		if(restarted)
			r->restart_pending = 1;
	}
	lock_release(&r->lock);
	if(restarted)
		LM_WARN("relay %s restarted (boot id now %s)\n", r->name, boot_id);
	return restarted;
}
