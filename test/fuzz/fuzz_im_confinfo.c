/*
 * Conference-info writer (lib/im_confinfo.c) fed with arbitrary strings
 * and enum values carved out of the input: it refuses what XML cannot
 * carry, and what it writes is well-formed, has one <user> per user, and
 * never shows an aliased user's real entity.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "im_confinfo.h"

#define MAX_USERS 4

typedef struct cursor {
	const uint8_t *p;
	size_t n;
} cursor_t;

static unsigned take_byte(cursor_t *c)
{
	unsigned b = c->n ? *c->p : 0;

	if(c->n) {
		c->p++;
		c->n--;
	}
	return b;
}

/* a NUL-terminated string up to the next 0xff byte; NULL when empty */
static char *take_string(cursor_t *c)
{
	const uint8_t *end = memchr(c->p, 0xff, c->n);
	size_t n = end ? (size_t)(end - c->p) : c->n;
	char *s = n ? strndup((const char *)c->p, n) : NULL;

	c->p += n + (end != NULL);
	c->n -= n + (end != NULL);
	return s;
}

static size_t count_users(xmlNode *n)
{
	size_t count = 0;

	for(; n; n = n->next) {
		if(n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, "user") == 0)
			count++;
		count += count_users(n->children);
	}
	return count;
}

/* an entity="..." attribute anywhere under n has the value v */
static int entity_shown(xmlNode *n, const char *v)
{
	for(; n; n = n->next) {
		xmlChar *e = n->type == XML_ELEMENT_NODE
							 ? xmlGetProp(n, BAD_CAST "entity")
							 : NULL;
		int same = e && v && strcmp((const char *)e, v) == 0;
		xmlFree(e);
		if(same || entity_shown(n->children, v))
			return 1;
	}
	return 0;
}

/* v is also the conference, an alias, or an unaliased user's entity */
static int entity_expected(const im_confinfo_t *ci, const char *v)
{
	if(strcmp(ci->entity, v) == 0)
		return 1;
	for(size_t i = 0; i < ci->n_users; i++) {
		const im_ci_user_t *u = &ci->users[i];
		if((u->alias && strcmp(u->alias, v) == 0)
				|| (!u->alias && strcmp(u->entity, v) == 0))
			return 1;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cursor_t c = {data, size};
	im_ci_user_t users[MAX_USERS] = {0};
	char *strings[3 + 3 * MAX_USERS] = {0};
	size_t ns = 0;
	im_confinfo_t ci = {0};
	char err[IM_CONFINFO_ERR_LEN], *out = NULL;
	size_t len;

	ci.state = (im_ci_state_t)(take_byte(&c) % 4);
	ci.version = take_byte(&c);
	ci.max_users = take_byte(&c);
	ci.n_users = take_byte(&c) % (MAX_USERS + 1);
	ci.entity = strings[ns++] = take_string(&c);
	ci.subject = strings[ns++] = take_string(&c);
	for(size_t i = 0; i < ci.n_users; i++) {
		users[i].state = (im_ci_state_t)(take_byte(&c) % 4);
		users[i].status = (im_ci_status_t)(take_byte(&c) % 12);
		users[i].joining = (im_ci_joining_t)(take_byte(&c) % 5);
		users[i].disconnection = (im_ci_disconnection_t)(take_byte(&c) % 6);
		users[i].yourown = take_byte(&c) & 1;
		users[i].entity = strings[ns++] = take_string(&c);
		users[i].alias = strings[ns++] = take_string(&c);
		users[i].display_text = strings[ns++] = take_string(&c);
	}
	ci.users = users;
	if(im_confinfo_write(&ci, &out, &len, err, sizeof(err)) == 0) {
		xmlDocPtr doc = xmlReadMemory(out, (int)len, NULL, NULL, XML_PARSE_NONET);
		if(!doc || strlen(out) != len
				|| count_users(xmlDocGetRootElement(doc)) != ci.n_users)
			abort();
		for(size_t i = 0; i < ci.n_users; i++) {
			if(users[i].alias && entity_shown(xmlDocGetRootElement(doc),
										 users[i].entity)
					&& !entity_expected(&ci, users[i].entity))
				abort();
		}
		xmlFreeDoc(doc);
	} else if(!err[0])
		abort();
	free(out);
	for(size_t i = 0; i < ns; i++)
		free(strings[i]);
	return 0;
}
