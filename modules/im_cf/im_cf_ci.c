#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "im_confinfo.h"

#include "im_cf_ci.h"

/* What the subscriber should know of p now, given what it was told. */
static imcf_told_t now_of(const imcf_participant_t *p, imcf_told_t told)
{
	if(p->state == IMCF_P_CONNECTED)
		return IMCF_TOLD_CONNECTED;
	/* a departure is reported to those who saw the participant */
	return told == IMCF_TOLD_NOTHING ? IMCF_TOLD_NOTHING
									 : IMCF_TOLD_DISCONNECTED;
}

static void user_of(const imcf_participant_t *p, const char *subscriber,
		imcf_told_t now, im_ci_user_t *u)
{
	int anonymous = p->alias_uri[0] != '\0';

	memset(u, 0, sizeof(*u));
	u->entity = p->uri;
	u->alias = anonymous ? p->alias_uri : NULL;
	u->display_text = anonymous ? p->alias_display : p->display;
	if(!u->display_text[0])
		u->display_text = NULL;
	u->state = IM_CI_FULL;
	u->yourown = subscriber && subscriber[0]
				 && (strcasecmp(p->uri, subscriber) == 0
						 || (anonymous
								 && strcasecmp(p->alias_uri, subscriber) == 0));
	u->status = now == IMCF_TOLD_CONNECTED ? IM_CI_CONNECTED
										   : IM_CI_DISCONNECTED;
}

int imcf_ci_attending(const imcf_conf_t *c, const char *subscriber)
{
	int i = imcf_conf_find(c, subscriber);

	return i >= 0 && c->p[i].state == IMCF_P_CONNECTED;
}

int imcf_ci_write(const imcf_conf_t *c, const char *subscriber, int full,
		unsigned char *told, unsigned int version, char **out, size_t *len,
		char *err, size_t errlen)
{
	im_ci_user_t *users;
	im_confinfo_t ci;
	imcf_told_t now[IMCF_MAX_PARTICIPANTS];
	size_t n = 0;
	int ret;

	users = calloc(c->n ? c->n : 1, sizeof(*users));
	if(!users) {
		strncpy(err, "no memory", errlen);
		return -1;
	}
	for(int i = 0; i < c->n; i++) {
		now[i] = now_of(&c->p[i], (imcf_told_t)told[i]);
		if(full ? now[i] == IMCF_TOLD_CONNECTED : now[i] != told[i])
			user_of(&c->p[i], subscriber, now[i], &users[n++]);
	}
	if(!full && !n) {
		free(users);
		return 0;
	}
	memset(&ci, 0, sizeof(ci));
	ci.entity = c->identity;
	ci.state = full ? IM_CI_FULL : IM_CI_PARTIAL;
	ci.version = version;
	ci.users = users;
	ci.n_users = n;
	ret = im_confinfo_write(&ci, out, len, err, errlen);
	free(users);
	if(ret < 0)
		return -1;
	/* a full document replaces what the subscriber knew: those who left
	 * are no longer in it */
	for(int i = 0; i < c->n; i++)
		told[i] = full && now[i] == IMCF_TOLD_DISCONNECTED ? IMCF_TOLD_NOTHING
														   : now[i];
	return 1;
}
