#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "core/dprint.h"
#include "core/socket_info.h"

#include "im_relay_conn.h"
#include "im_relay_health.h"
#include "im_relay_owner.h"

str imr_owner_param = STR_NULL;

/* set in mod_init, before the fork: every process sends the same */
static char owner_name[IMR_NAME_MAX];
static char owner_boot_id[33];

int imr_owner_init(void)
{
	unsigned char raw[16];
	char host[64];
	struct socket_info *si;

	if(imr_owner_param.len > 0) {
		if(imr_owner_param.len >= IMR_NAME_MAX) {
			LM_ERR("owner longer than %d characters\n", IMR_NAME_MAX - 1);
			return -1;
		}
		memcpy(owner_name, imr_owner_param.s, imr_owner_param.len);
		owner_name[imr_owner_param.len] = '\0';
	} else {
		/* stable across restarts, distinct for Kamailios of one host */
		if(gethostname(host, sizeof(host)) < 0)
			snprintf(host, sizeof(host), "kamailio");
		host[sizeof(host) - 1] = '\0';
		si = get_first_socket();
		snprintf(owner_name, sizeof(owner_name), "%s/%.*s", host,
				si ? si->sock_str.len : 0, si ? si->sock_str.s : "");
	}
	if(getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
		LM_ERR("cannot make a boot id: no random bytes\n");
		return -1;
	}
	for(size_t i = 0; i < sizeof(raw); i++)
		snprintf(owner_boot_id + 2 * i, 3, "%02x", raw[i]);
	LM_INFO("relay sessions owner %s, boot id %s\n", owner_name, owner_boot_id);
	return 0;
}

const char *imr_owner_name(void)
{
	return owner_name;
}

const char *imr_owner_boot_id(void)
{
	return owner_boot_id;
}

void imr_owner_tag(json_t *params)
{
	if(imr_health_interval <= 0 || params == NULL)
		return;
	json_object_set_new(params, "owner", json_string(owner_name));
	json_object_set_new(params, "owner_boot_id", json_string(owner_boot_id));
}

void imr_owner_lease_seen(imr_relay_t *r, json_t *ping_result)
{
	json_t *t = json_object_get(ping_result, "owner_timeout_s");
	int timeout = json_is_integer(t) ? (int)json_integer_value(t) : 0;
	int warn;

	lock_get(&r->lock);
	r->owner_timeout_s = timeout;
	/* two pings per lease at least, or one lost ping ends every call */
	warn = !r->lease_warned && imr_health_interval > 0 && timeout > 0
		   && 2 * imr_health_interval > timeout;
	if(warn)
		r->lease_warned = 1;
	lock_release(&r->lock);
	if(warn)
		LM_WARN("relay %s releases sessions after %d s without a ping, "
				"health_interval is %d s: raise the relay's owner_timeout_s "
				"to at least %d\n",
				r->name, timeout, imr_health_interval,
				2 * imr_health_interval);
}

/* Destroys, quietly, the sessions of ours the list holds that another
 * boot of ours created; *n counts them. 0, or -1 when one failed. */
static int destroy_stale(imr_relay_t *r, json_t *list, int *n)
{
	size_t i;
	json_t *s;
	char err[IMR_ERROR_MAX];

	json_array_foreach(list, i, s)
	{
		const char *id = json_string_value(json_object_get(s, "id"));
		const char *boot =
				json_string_value(json_object_get(s, "owner_boot_id"));
		json_t *params, *result = NULL;
		imr_call_status_t st;

		if(id == NULL || boot == NULL || strcmp(boot, owner_boot_id) == 0)
			continue;
		params = json_pack("{s:s, s:b}", "id", id, "quiet", 1);
		st = imr_call(r, "session.destroy", params, &result, err, sizeof(err));
		json_decref(params);
		if(result)
			json_decref(result);
		if(st != IMR_CALL_OK) {
			LM_WARN("relay %s: stale session %s not destroyed: %s\n", r->name,
					id, err);
			return -1;
		}
		(*n)++;
	}
	return 0;
}

void imr_owner_reconcile(imr_relay_t *r)
{
	char boot[IMR_BOOT_ID_MAX], err[IMR_ERROR_MAX];
	json_t *params, *result = NULL;
	int done, n = 0;

	if(imr_health_interval <= 0)
		return;
	lock_get(&r->lock);
	snprintf(boot, sizeof(boot), "%s", r->boot_id);
	done = boot[0] == '\0' || strcmp(boot, r->reconciled_boot_id) == 0;
	lock_release(&r->lock);
	if(done)
		return;
	params = json_pack("{s:s}", "owner", owner_name);
	if(imr_call(r, "session.list", params, &result, err, sizeof(err))
			!= IMR_CALL_OK) {
		/* tried again at the next health check */
		LM_WARN("relay %s: cannot list the sessions of owner %s: %s\n",
				r->name, owner_name, err);
		json_decref(params);
		if(result)
			json_decref(result);
		return;
	}
	json_decref(params);
	done = json_is_array(result) ? destroy_stale(r, result, &n) : 0;
	json_decref(result);
	if(n > 0)
		LM_WARN("relay %s: destroyed %d session(s) an earlier run of owner "
				"%s left\n",
				r->name, n, owner_name);
	lock_get(&r->lock);
	r->stale_destroyed += (unsigned long)n;
	/* after a failure, the rest waits for the next health check */
	if(done == 0)
		snprintf(r->reconciled_boot_id, sizeof(r->reconciled_boot_id), "%s",
				boot);
	lock_release(&r->lock);
}
