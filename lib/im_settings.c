#include "im_settings.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "im_xml.h"

/* A setting that is one element with an `active` attribute inside its
 * container: <container><item active="..."/></container>. */
typedef struct flag_setting {
	const char *ns, *container, *item;
	size_t field;
} flag_setting_t;

static const flag_setting_t flags[] = {
		{IM_POC_SETTINGS_NS, "isb-settings", "incoming-session-barring",
				offsetof(im_settings_t, isb)},
		{IM_POC_SETTINGS_NS, "ipab-settings", "incoming-personal-alert-barring",
				offsetof(im_settings_t, ipab)},
		{IM_SERVICE_SETTINGS_NS, "deferred-settings", "offline-delivery",
				offsetof(im_settings_t, offline_delivery)},
		{IM_SERVICE_SETTINGS_NS, "vis-settings", "vis-status",
				offsetof(im_settings_t, vis_status)},
};

#define N_FLAGS (sizeof(flags) / sizeof(flags[0]))

void im_settings_defaults(im_settings_t *s)
{
	memset(s, 0, sizeof(*s));
	s->vis_status = 1;
}

/* The element's `active` into *v: 0, or -1 with the reason. */
static int read_active(
		const xmlNode *node, int *v, char *err, size_t errlen)
{
	xmlChar *a = xmlGetNoNsProp(node, BAD_CAST "active");
	int rc = a ? im_xml_boolean((const char *)a, v) : -1;

	if(rc < 0)
		snprintf(err, errlen, "%s: active %s", (const char *)node->name,
				a ? "is not a boolean" : "missing");
	xmlFree(a);
	return rc;
}

/* Settings of no service-id are ours (App E.2 lets IM omit it). */
static int for_im(const xmlNode *container)
{
	xmlChar *id = xmlGetNoNsProp(container, BAD_CAST "service-id");
	int ours = !id || strcmp((const char *)id, IM_SETTINGS_SERVICE_ID) == 0;

	xmlFree(id);
	return ours;
}

static int read_flag(const flag_setting_t *f, const xmlNode *container,
		im_settings_t *s, char *err, size_t errlen)
{
	for(const xmlNode *c = container->children; c; c = c->next) {
		if(im_xml_is(c, f->ns, f->item)
				&& read_active(c, (int *)((char *)s + f->field), err, errlen)
						   < 0)
			return -1;
	}
	return 0;
}

/* <hist-activation active> applies to the modes its children name. */
static int read_history(const xmlNode *container, im_settings_t *s,
		char *err, size_t errlen)
{
	for(const xmlNode *h = container->children; h; h = h->next) {
		int active;

		if(!im_xml_is(h, IM_SERVICE_SETTINGS_NS, "hist-activation"))
			continue;
		if(read_active(h, &active, err, errlen) < 0)
			return -1;
		for(const xmlNode *m = h->children; m; m = m->next) {
			if(im_xml_is(m, IM_SERVICE_SETTINGS_NS, "session-mode"))
				s->hist_session = active;
			else if(im_xml_is(m, IM_SERVICE_SETTINGS_NS, "pager-large-mode"))
				s->hist_pager = active;
		}
	}
	return 0;
}

static int read_entity(
		const xmlNode *entity, im_settings_t *s, char *err, size_t errlen)
{
	for(const xmlNode *c = entity->children; c; c = c->next) {
		if(c->type != XML_ELEMENT_NODE || !for_im(c))
			continue;
		if(im_xml_is(c, IM_SERVICE_SETTINGS_NS, "hist-settings")) {
			if(read_history(c, s, err, errlen) < 0)
				return -1;
			continue;
		}
		for(size_t i = 0; i < N_FLAGS; i++) {
			if(im_xml_is(c, flags[i].ns, flags[i].container)
					&& read_flag(&flags[i], c, s, err, errlen) < 0)
				return -1;
		}
	}
	return 0;
}

int im_settings_parse(const char *doc, size_t len, im_settings_t *s, char *err,
		size_t errlen)
{
	xmlDocPtr xdoc;
	xmlNode *root = NULL;
	int rc = 0;

	im_settings_defaults(s);
	if(errlen)
		err[0] = '\0';
	if(im_xml_parse(doc, len, IM_SETTINGS_MAX_DOC, &xdoc, err, errlen)
			!= IM_XML_OK)
		rc = -1;
	else
		root = xmlDocGetRootElement(xdoc);
	if(rc == 0 && (!root || !im_xml_is(root, IM_POC_SETTINGS_NS, "poc-settings"))) {
		snprintf(err, errlen, "root element is not poc-settings");
		rc = -1;
	}
	for(xmlNode *c = rc == 0 ? root->children : NULL; c && rc == 0;
			c = c->next) {
		if(im_xml_is(c, IM_POC_SETTINGS_NS, "entity"))
			rc = read_entity(c, s, err, errlen);
	}
	xmlFreeDoc(xdoc);
	if(rc < 0) {
		im_settings_defaults(s);
		im_xml_printable(err);
	}
	return rc;
}
