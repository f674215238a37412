#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/dprint.h"

#include "im_pf_policy.h"

static int truthy(const char *v)
{
	return strcasecmp(v, "true") == 0 || strcasecmp(v, "yes") == 0
		   || strcmp(v, "1") == 0 || strcasecmp(v, "on") == 0;
}

void impf_policy_defaults(impf_policy_t *p)
{
	memset(p, 0, sizeof(*p));
	p->max_size = -1;
}

int impf_policy_apply(char **v, int n, void *arg)
{
	impf_policy_t *p = arg;
	const char *name = v[0], *value = v[1];

	(void)n;
	if(strcmp(name, "service") == 0)
		p->service_denied = strcasecmp(value, "deny") == 0;
	else if(strcmp(name, "client_version") == 0)
		snprintf(p->client_version, sizeof(p->client_version), "%s", value);
	else if(strcmp(name, "client_upgrade_url") == 0)
		snprintf(p->client_upgrade_url, sizeof(p->client_upgrade_url), "%s",
				value);
	else if(strcmp(name, "pager_content_types") == 0)
		snprintf(p->pager_types, sizeof(p->pager_types), "%s", value);
	else if(strcmp(name, "session_accept_types") == 0)
		snprintf(p->session_types, sizeof(p->session_types), "%s", value);
	else if(strcmp(name, "max_size") == 0)
		p->max_size = value[0] ? strtoll(value, NULL, 10) : -1;
	else if(strcmp(name, "isb") == 0)
		p->isb = truthy(value);
	else if(strcmp(name, "ipab") == 0)
		p->ipab = truthy(value);
	else
		LM_DBG("policy %s is not one of im_pf's\n", name);
	return 0;
}
