#include "im_rlist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "im_uri.h"
#include "im_xml.h"

typedef struct walk {
	im_rlist_t *rl;
	size_t cap, max_entries;
	char *err;
	size_t errlen;
} walk_t;

const char *im_copy_control_name(im_copy_control_t c)
{
	switch(c) {
		case IM_COPY_CC:
			return "cc";
		case IM_COPY_BCC:
			return "bcc";
		default:
			return "to";
	}
}

static int parse_copy_control(const char *v, im_copy_control_t *c)
{
	static const im_copy_control_t all[] = {IM_COPY_TO, IM_COPY_CC, IM_COPY_BCC};

	for(size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if(strcmp(v, im_copy_control_name(all[i])) == 0) {
			*c = all[i];
			return 0;
		}
	}
	return -1;
}

/* The first <display-name>, with control characters (line breaks,
 * tabs, DEL) made spaces: a caller may put it into a SIP display name. */
static char *display_name(const xmlNode *entry)
{
	for(const xmlNode *c = entry->children; c; c = c->next) {
		if(im_xml_is(c, IM_RLIST_NS, "display-name")) {
			xmlChar *t = xmlNodeGetContent(c);
			char *s = t ? strdup((const char *)t) : NULL;
			xmlFree(t);
			for(char *p = s; p && *p; p++) {
				if((unsigned char)*p < 0x20 || *p == 0x7f)
					*p = ' ';
			}
			return s;
		}
	}
	return NULL;
}

/* The RFC 5364 attributes of an entry; a malformed value is an error,
 * not a silent "to": a bcc read as to would disclose the recipient. */
static im_rlist_status_t copy_attributes(
		walk_t *w, xmlNode *node, im_rlist_entry_t *e)
{
	xmlChar *cc = xmlGetNsProp(node, BAD_CAST "copyControl",
			BAD_CAST IM_COPYCONTROL_NS);
	xmlChar *an = xmlGetNsProp(node, BAD_CAST "anonymize",
			BAD_CAST IM_COPYCONTROL_NS);
	im_rlist_status_t st = IM_RLIST_OK;

	if(cc && parse_copy_control((const char *)cc, &e->copy) < 0) {
		snprintf(w->err, w->errlen,
				"entry %.60s: copyControl is not to, cc or bcc", e->uri);
		st = IM_RLIST_ERR_ENTRY;
	} else if(an && im_xml_boolean((const char *)an, &e->anonymize) < 0) {
		snprintf(w->err, w->errlen,
				"entry %.60s: anonymize is not a boolean", e->uri);
		st = IM_RLIST_ERR_ENTRY;
	}
	xmlFree(cc);
	xmlFree(an);
	return st;
}

static void entry_clear(im_rlist_entry_t *e)
{
	free(e->uri);
	free(e->display_name);
	im_uri_target_clear(&e->to);
	memset(e, 0, sizeof(*e));
}

static int is_duplicate(const im_rlist_t *rl, const char *target)
{
	im_span_t t = {target, strlen(target)};

	for(size_t i = 0; i < rl->count; i++) {
		im_span_t o = {
				rl->entries[i].to.target, strlen(rl->entries[i].to.target)};
		if(im_uri_same(t, o))
			return 1;
	}
	return 0;
}

static im_rlist_status_t keep_entry(walk_t *w, im_rlist_entry_t *e)
{
	im_rlist_t *rl = w->rl;

	if(is_duplicate(rl, e->to.target)) {
		rl->duplicates++;
		entry_clear(e);
		return IM_RLIST_OK;
	}
	if(rl->count == w->max_entries) {
		snprintf(w->err, w->errlen, "more than %zu recipients", w->max_entries);
		return IM_RLIST_ERR_TOO_MANY;
	}
	if(rl->count == w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 8;
		im_rlist_entry_t *n = realloc(rl->entries, cap * sizeof(*n));
		if(!n)
			return IM_RLIST_ERR_NOMEM;
		rl->entries = n;
		w->cap = cap;
	}
	rl->entries[rl->count++] = *e;
	memset(e, 0, sizeof(*e));
	return IM_RLIST_OK;
}

static im_rlist_status_t add_entry(walk_t *w, xmlNode *node)
{
	im_rlist_entry_t e = {0};
	xmlChar *uri = xmlGetNoNsProp(node, BAD_CAST "uri");
	im_rlist_status_t st;
	int rc;

	if(!uri) {
		snprintf(w->err, w->errlen, "entry without a uri attribute");
		return IM_RLIST_ERR_ENTRY;
	}
	e.uri = strdup((const char *)uri);
	xmlFree(uri);
	if(!e.uri)
		return IM_RLIST_ERR_NOMEM;
	st = copy_attributes(w, node, &e);
	if(st == IM_RLIST_OK) {
		char why[IM_RLIST_ERR_LEN];
		rc = im_uri_target_split(e.uri, &e.to, why, sizeof(why));
		if(rc == -1)
			snprintf(w->err, w->errlen, "entry %s", why);
		st = rc == -1 ? IM_RLIST_ERR_ENTRY : rc ? IM_RLIST_ERR_NOMEM : st;
	}
	if(st == IM_RLIST_OK)
		e.display_name = display_name(node);
	if(st == IM_RLIST_OK)
		st = keep_entry(w, &e);
	entry_clear(&e);
	return st;
}

static im_rlist_status_t walk_list(walk_t *w, xmlNode *list, int depth)
{
	im_rlist_status_t st = IM_RLIST_OK;

	if(depth > IM_RLIST_MAX_DEPTH) {
		snprintf(w->err, w->errlen, "lists nested deeper than %d",
				IM_RLIST_MAX_DEPTH);
		return IM_RLIST_ERR_STRUCTURE;
	}
	for(xmlNode *c = list->children; c && st == IM_RLIST_OK; c = c->next) {
		if(im_xml_is(c, IM_RLIST_NS, "entry"))
			st = add_entry(w, c);
		else if(im_xml_is(c, IM_RLIST_NS, "list"))
			st = walk_list(w, c, depth + 1);
		else if(im_xml_is(c, IM_RLIST_NS, "entry-ref")
				|| im_xml_is(c, IM_RLIST_NS, "external"))
			w->rl->refs++;
	}
	return st;
}

static im_rlist_status_t from_xml_status(im_xml_status_t st)
{
	switch(st) {
		case IM_XML_OK:
			return IM_RLIST_OK;
		case IM_XML_ERR_SIZE:
			return IM_RLIST_ERR_SIZE;
		case IM_XML_ERR_DOCTYPE:
			return IM_RLIST_ERR_DOCTYPE;
		case IM_XML_ERR_NOMEM:
			return IM_RLIST_ERR_NOMEM;
		default:
			return IM_RLIST_ERR_XML;
	}
}

im_rlist_status_t im_rlist_parse(const char *doc, size_t len,
		size_t max_entries, im_rlist_t *rl, char *err, size_t errlen)
{
	walk_t w = {rl, 0, max_entries, err, errlen};
	im_rlist_status_t st;
	xmlDocPtr xdoc;
	xmlNode *root;

	memset(rl, 0, sizeof(*rl));
	if(errlen)
		err[0] = '\0';
	st = from_xml_status(
			im_xml_parse(doc, len, IM_RLIST_MAX_DOC, &xdoc, err, errlen));
	if(st == IM_RLIST_OK) {
		root = xmlDocGetRootElement(xdoc);
		if(!root || !im_xml_is(root, IM_RLIST_NS, "resource-lists")) {
			snprintf(err, errlen, "root element is not resource-lists");
			st = IM_RLIST_ERR_STRUCTURE;
		}
	}
	for(xmlNode *c = st == IM_RLIST_OK ? root->children : NULL;
			c && st == IM_RLIST_OK; c = c->next) {
		if(im_xml_is(c, IM_RLIST_NS, "list"))
			st = walk_list(&w, c, 1);
	}
	if(st == IM_RLIST_OK && rl->count == 0) {
		snprintf(err, errlen, "resource list without an entry");
		st = IM_RLIST_ERR_EMPTY;
	}
	xmlFreeDoc(xdoc);
	if(st == IM_RLIST_ERR_NOMEM)
		snprintf(err, errlen, "out of memory");
	if(st != IM_RLIST_OK) {
		im_rlist_free(rl);
		im_xml_printable(err);
	}
	return st;
}

void im_rlist_free(im_rlist_t *rl)
{
	for(size_t i = 0; i < rl->count; i++)
		entry_clear(&rl->entries[i]);
	free(rl->entries);
	memset(rl, 0, sizeof(*rl));
}

static xmlNode *history_entry(xmlNode *list, xmlNs *rl_ns, xmlNs *cp_ns,
		const char *uri, im_copy_control_t copy)
{
	xmlNode *e = xmlNewChild(list, rl_ns, BAD_CAST "entry", NULL);

	if(!e || !xmlNewProp(e, BAD_CAST "uri", BAD_CAST uri)
			|| !xmlNewNsProp(e, cp_ns, BAD_CAST "copyControl",
					BAD_CAST im_copy_control_name(copy)))
		return NULL;
	return e;
}

static int history_entries(const im_rlist_t *rl, xmlNode *list, xmlNs *rl_ns,
		xmlNs *cp_ns)
{
	size_t anonymous[2] = {0, 0};
	char count[24];

	for(size_t i = 0; i < rl->count; i++) {
		const im_rlist_entry_t *e = &rl->entries[i];
		xmlNode *n;
		if(e->copy == IM_COPY_BCC)
			continue;
		if(e->anonymize) {
			anonymous[e->copy]++;
			continue;
		}
		if(!im_xml_text_ok(e->to.target)
				|| (e->display_name && !im_xml_text_ok(e->display_name)))
			return -1;
		n = history_entry(list, rl_ns, cp_ns, e->to.target, e->copy);
		if(!n
				|| (e->display_name
						&& !xmlNewTextChild(n, rl_ns, BAD_CAST "display-name",
								BAD_CAST e->display_name)))
			return -1;
	}
	for(int c = IM_COPY_TO; c <= IM_COPY_CC; c++) {
		xmlNode *n;
		if(!anonymous[c])
			continue;
		n = history_entry(list, rl_ns, cp_ns, IM_RLIST_ANONYMOUS_URI, c);
		snprintf(count, sizeof(count), "%zu", anonymous[c]);
		if(!n || !xmlNewNsProp(n, cp_ns, BAD_CAST "count", BAD_CAST count))
			return -1;
	}
	return 0;
}

static int history(xmlDocPtr doc, const void *arg, char *err, size_t errlen)
{
	xmlNs *rl_ns, *cp_ns;
	xmlNode *root = im_xml_new_root(doc, "resource-lists", IM_RLIST_NS, &rl_ns);
	xmlNode *list;

	(void)err;
	(void)errlen;
	if(!root)
		return -1;
	cp_ns = xmlNewNs(root, BAD_CAST IM_COPYCONTROL_NS, BAD_CAST "cp");
	list = cp_ns ? xmlNewChild(root, rl_ns, BAD_CAST "list", NULL) : NULL;
	if(!list)
		return -1;
	return history_entries(arg, list, rl_ns, cp_ns);
}

int im_rlist_write_history(const im_rlist_t *rl, char **out, size_t *len)
{
	char err[IM_RLIST_ERR_LEN];

	return im_xml_write(history, rl, out, len, err, sizeof(err));
}
