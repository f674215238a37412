#include <stdio.h>
#include <strings.h>

#include "im_cf_alias.h"

/* Another participant than self shows this name already, as its alias
 * or as its own (non-anonymous) display name. */
static int display_taken(const imcf_conf_t *c, int self, const char *name)
{
	for(int i = 0; i < c->n; i++) {
		const imcf_participant_t *p = &c->p[i];
		const char *shown = p->alias_uri[0] ? p->alias_display : p->display;

		if(i != self && strcasecmp(shown, name) == 0)
			return 1;
	}
	return 0;
}

int imcf_alias_pick(imcf_conf_t *c, int self, const char *want, char *display,
		size_t display_len, char *uri, size_t uri_len)
{
	const char *base = want && want[0] ? want : "anonymous";
	int n;

	n = snprintf(display, display_len, "%s", base);
	if(n < 0 || (size_t)n >= display_len)
		return -1;
	for(unsigned int k = 2; display_taken(c, self, display); k++) {
		n = snprintf(display, display_len, "%s-%u", base, k);
		if(n < 0 || (size_t)n >= display_len)
			return -1;
	}
	c->alias_seq++;
	n = snprintf(
			uri, uri_len, "sip:anonymous%u@" IMCF_ALIAS_DOMAIN, c->alias_seq);
	return n < 0 || (size_t)n >= uri_len ? -1 : 0;
}
