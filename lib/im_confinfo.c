#include "im_confinfo.h"

#include <stdio.h>
#include <string.h>

#include "im_xml.h"

#define NAME_OF(table, v) \
	((size_t)(v) < sizeof(table) / sizeof(table[0]) ? table[v] : NULL)

const char *im_ci_state_name(im_ci_state_t s)
{
	static const char *const names[] = {"full", "partial", "deleted"};
	return NAME_OF(names, s);
}

const char *im_ci_status_name(im_ci_status_t s)
{
	static const char *const names[] = {NULL, "connected", "disconnected",
			"on-hold", "muted-via-focus", "pending", "alerting", "dialing-in",
			"dialing-out", "disconnecting"};
	return NAME_OF(names, s);
}

const char *im_ci_joining_name(im_ci_joining_t j)
{
	static const char *const names[] = {
			NULL, "dialed-in", "dialed-out", "focus-owner"};
	return NAME_OF(names, j);
}

const char *im_ci_disconnection_name(im_ci_disconnection_t d)
{
	static const char *const names[] = {
			NULL, "departed", "booted", "failed", "busy"};
	return NAME_OF(names, d);
}

typedef struct writer {
	xmlNs *ns;
	char *err;
	size_t errlen;
} writer_t;

static int bad(writer_t *w, const char *what)
{
	snprintf(w->err, w->errlen, "%s", what);
	return -1;
}

/* An element with text content (escaped by libxml2), or none for NULL. */
static int text_child(writer_t *w, xmlNode *parent, const char *name,
		const char *text)
{
	if(!text)
		return 0;
	if(!im_xml_text_ok(text))
		return bad(w, "text with a control character or bad UTF-8");
	return xmlNewTextChild(parent, w->ns, BAD_CAST name, BAD_CAST text)
				   ? 0
				   : bad(w, "out of memory");
}

static int entity_attr(writer_t *w, xmlNode *node, const char *entity)
{
	if(!entity || !*entity || !im_xml_text_ok(entity))
		return bad(w, "empty or invalid entity");
	return xmlNewProp(node, BAD_CAST "entity", BAD_CAST entity)
				   ? 0
				   : bad(w, "out of memory");
}

static int endpoint(writer_t *w, xmlNode *user, const im_ci_user_t *u)
{
	xmlNode *ep = xmlNewChild(user, w->ns, BAD_CAST "endpoint", NULL);
	const char *entity = u->alias ? u->alias
									: u->endpoint ? u->endpoint : u->entity;

	if(!ep)
		return bad(w, "out of memory");
	if(entity_attr(w, ep, entity) < 0)
		return -1;
	if(u->status && !im_ci_status_name(u->status))
		return bad(w, "unknown endpoint status");
	if(u->joining && !im_ci_joining_name(u->joining))
		return bad(w, "unknown joining method");
	if(u->disconnection && !im_ci_disconnection_name(u->disconnection))
		return bad(w, "unknown disconnection method");
	/* RFC 4575's order: status, joining-method, disconnection-method */
	if(text_child(w, ep, "status", im_ci_status_name(u->status)) < 0
			|| text_child(w, ep, "joining-method",
					   im_ci_joining_name(u->joining))
					   < 0
			|| text_child(w, ep, "disconnection-method",
					   im_ci_disconnection_name(u->disconnection))
					   < 0)
		return -1;
	return 0;
}

static int user(writer_t *w, xmlNode *users, const im_ci_user_t *u,
		int partial)
{
	xmlNode *n = xmlNewChild(users, w->ns, BAD_CAST "user", NULL);

	if(!n)
		return bad(w, "out of memory");
	if(entity_attr(w, n, u->alias ? u->alias : u->entity) < 0)
		return -1;
	if(!im_ci_state_name(u->state))
		return bad(w, "unknown user state");
	if(partial
			&& !xmlNewProp(n, BAD_CAST "state",
					BAD_CAST im_ci_state_name(u->state)))
		return bad(w, "out of memory");
	/* App M: unqualified, on <user> only, default false */
	if(u->yourown && !xmlNewProp(n, BAD_CAST "yourown", BAD_CAST "true"))
		return bad(w, "out of memory");
	if(u->state == IM_CI_DELETED)
		return 0; /* RFC 4575: a deleted user carries nothing more */
	if(text_child(w, n, "display-text", u->display_text) < 0)
		return -1;
	return endpoint(w, n, u);
}

static int description(writer_t *w, xmlNode *root, const im_confinfo_t *ci)
{
	xmlNode *d;
	char count[16];

	if(!ci->subject && !ci->max_users)
		return 0;
	d = xmlNewChild(root, w->ns, BAD_CAST "conference-description", NULL);
	if(!d)
		return bad(w, "out of memory");
	if(text_child(w, d, "subject", ci->subject) < 0)
		return -1;
	if(!ci->max_users)
		return 0;
	snprintf(count, sizeof(count), "%u", ci->max_users);
	return text_child(w, d, "maximum-user-count", count);
}

static int document(xmlDocPtr doc, const void *arg, char *err, size_t errlen)
{
	const im_confinfo_t *ci = arg;
	writer_t writer = {NULL, err, errlen}, *w = &writer;
	xmlNode *root = im_xml_new_root(
			doc, "conference-info", IM_CONFINFO_NS, &writer.ns);
	xmlNode *users;
	char version[16];
	int partial = ci->state == IM_CI_PARTIAL;

	if(!root)
		return bad(w, "out of memory");
	if(ci->state != IM_CI_FULL && !partial)
		return bad(w, "document state is neither full nor partial");
	snprintf(version, sizeof(version), "%u", ci->version);
	if(entity_attr(w, root, ci->entity) < 0)
		return -1;
	if(!xmlNewProp(root, BAD_CAST "state",
					BAD_CAST im_ci_state_name(ci->state))
			|| !xmlNewProp(root, BAD_CAST "version", BAD_CAST version))
		return bad(w, "out of memory");
	if(description(w, root, ci) < 0)
		return -1;
	/* a partial document without user changes has no <users> */
	if(partial && !ci->n_users)
		return 0;
	users = xmlNewChild(root, w->ns, BAD_CAST "users", NULL);
	if(!users)
		return bad(w, "out of memory");
	for(size_t i = 0; i < ci->n_users; i++) {
		if(user(w, users, &ci->users[i], partial) < 0)
			return -1;
	}
	return 0;
}

int im_confinfo_write(const im_confinfo_t *ci, char **out, size_t *len,
		char *err, size_t errlen)
{
	return im_xml_write(document, ci, out, len, err, errlen);
}
