#include "im_imdn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "im_xml.h"

#define NAME_OF(table, v) \
	((size_t)(v) < sizeof(table) / sizeof(table[0]) ? table[v] : NULL)

const char *im_imdn_kind_name(im_imdn_kind_t k)
{
	static const char *const names[] = {NULL, "delivery-notification",
			"display-notification", "processing-notification"};
	return NAME_OF(names, k);
}

const char *im_imdn_status_name(im_imdn_status_t s)
{
	static const char *const names[] = {NULL, "delivered", "failed",
			"displayed", "processed", "stored", "forbidden", "error"};
	return NAME_OF(names, s);
}

/* RFC 5438 section 7.2: which status values each notification allows */
static int status_fits(im_imdn_kind_t k, im_imdn_status_t s)
{
	switch(s) {
		case IM_IMDN_DELIVERED:
		case IM_IMDN_FAILED:
			return k == IM_IMDN_DELIVERY;
		case IM_IMDN_DISPLAYED:
			return k == IM_IMDN_DISPLAY;
		case IM_IMDN_PROCESSED:
		case IM_IMDN_STORED:
			return k == IM_IMDN_PROCESSING;
		case IM_IMDN_FORBIDDEN:
		case IM_IMDN_ERROR:
			return k != IM_IMDN_KIND_NONE && im_imdn_kind_name(k) != NULL;
		default:
			return 0;
	}
}

static int is_token_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		   || (c >= '0' && c <= '9')
		   || (c != '\0' && strchr("-.!%*_+`'~", c) != NULL);
}

int im_imdn_disposition_parse(const char *v, size_t len, unsigned *mask)
{
	static const struct {
		const char *name;
		unsigned bit;
	} tokens[] = {{"positive-delivery", IM_DN_POSITIVE_DELIVERY},
			{"negative-delivery", IM_DN_NEGATIVE_DELIVERY},
			{"processing", IM_DN_PROCESSING}, {"display", IM_DN_DISPLAY}};
	size_t i = 0;

	*mask = 0;
	while(i <= len) {
		size_t start, end;
		while(i < len && (v[i] == ' ' || v[i] == '\t'))
			i++;
		start = i;
		while(i < len && is_token_char(v[i]))
			i++;
		end = i;
		while(i < len && (v[i] == ' ' || v[i] == '\t'))
			i++;
		if(end == start || (i < len && v[i] != ','))
			return -1;
		for(size_t t = 0; t < sizeof(tokens) / sizeof(tokens[0]); t++) {
			if(strlen(tokens[t].name) == end - start
					&& strncasecmp(tokens[t].name, v + start, end - start) == 0)
				*mask |= tokens[t].bit;
		}
		i++; /* past the comma, or past the end */
	}
	return 0;
}

/* message-id and datetime are mandatory and say which message is meant */
static int identified(const im_imdn_t *imdn, char *err, size_t errlen)
{
	if(imdn->message_id && *imdn->message_id && imdn->datetime
			&& *imdn->datetime)
		return 1;
	snprintf(err, errlen, "imdn without message-id or datetime");
	return 0;
}

void im_imdn_free(im_imdn_t *imdn)
{
	free(imdn->message_id);
	free(imdn->datetime);
	free(imdn->recipient_uri);
	free(imdn->original_recipient_uri);
	free(imdn->subject);
	memset(imdn, 0, sizeof(*imdn));
}

/* IMDN fields are single-line values a caller may carry into a SIP or
 * CPIM header, so a control character (even CR, LF, tab) is refused both
 * ways. */
static int has_control(const char *s)
{
	for(; *s; s++) {
		if((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	}
	return 0;
}

/* The text of a simple element; NULL (*bad set) with a control character */
static char *text_of(const xmlNode *n, int *bad)
{
	xmlChar *t = xmlNodeGetContent(n);
	char *s = t ? strdup((const char *)t) : NULL;

	xmlFree(t);
	if(s && has_control(s)) {
		*bad = 1;
		free(s);
		return NULL;
	}
	return s;
}

static char **field_for(im_imdn_t *imdn, const xmlNode *n)
{
	if(im_xml_is(n, IM_IMDN_NS, "message-id"))
		return &imdn->message_id;
	if(im_xml_is(n, IM_IMDN_NS, "datetime"))
		return &imdn->datetime;
	if(im_xml_is(n, IM_IMDN_NS, "recipient-uri"))
		return &imdn->recipient_uri;
	if(im_xml_is(n, IM_IMDN_NS, "original-recipient-uri"))
		return &imdn->original_recipient_uri;
	if(im_xml_is(n, IM_IMDN_NS, "subject"))
		return &imdn->subject;
	return NULL;
}

/* <xxx-notification><status><value/></status></xxx-notification> */
static int notification(im_imdn_t *imdn, const xmlNode *n, char *err,
		size_t errlen)
{
	for(int k = IM_IMDN_DELIVERY; k <= IM_IMDN_PROCESSING; k++) {
		if(!im_xml_is(n, IM_IMDN_NS, im_imdn_kind_name(k)))
			continue;
		if(imdn->kind) {
			snprintf(err, errlen, "more than one notification");
			return -1;
		}
		imdn->kind = (im_imdn_kind_t)k;
		for(const xmlNode *st = n->children; st; st = st->next) {
			if(!im_xml_is(st, IM_IMDN_NS, "status"))
				continue;
			for(const xmlNode *v = st->children; v; v = v->next) {
				for(int s = IM_IMDN_DELIVERED; s <= IM_IMDN_ERROR; s++) {
					if(im_xml_is(v, IM_IMDN_NS, im_imdn_status_name(s)))
						imdn->status = (im_imdn_status_t)s;
				}
			}
		}
		if(!status_fits(imdn->kind, imdn->status)) {
			snprintf(err, errlen, "%s without a status it allows",
					im_imdn_kind_name(imdn->kind));
			return -1;
		}
	}
	return 0;
}

static int read_imdn(im_imdn_t *imdn, const xmlNode *root, char *err,
		size_t errlen)
{
	if(!root || !im_xml_is(root, IM_IMDN_NS, "imdn")) {
		snprintf(err, errlen, "root element is not imdn");
		return -1;
	}
	for(const xmlNode *n = root->children; n; n = n->next) {
		char **field = field_for(imdn, n);
		int bad = 0;
		if(!field) {
			if(notification(imdn, n, err, errlen) < 0)
				return -1;
			continue;
		}
		if(*field) {
			snprintf(err, errlen, "repeated <%s>", (const char *)n->name);
			return -1;
		}
		*field = text_of(n, &bad);
		if(!*field) {
			snprintf(err, errlen, bad ? "control character in <%s>"
									  : "out of memory",
					(const char *)n->name);
			return -1;
		}
	}
	if(!identified(imdn, err, errlen))
		return -1;
	if(!imdn->kind) {
		snprintf(err, errlen, "imdn without a notification");
		return -1;
	}
	return 0;
}

int im_imdn_parse(const char *doc, size_t len, im_imdn_t *imdn, char *err,
		size_t errlen)
{
	xmlDocPtr xdoc;
	int rc = -1;

	memset(imdn, 0, sizeof(*imdn));
	if(im_xml_parse(doc, len, IM_IMDN_MAX_DOC, &xdoc, err, errlen)
			== IM_XML_OK) {
		rc = read_imdn(imdn, xmlDocGetRootElement(xdoc), err, errlen);
		xmlFreeDoc(xdoc);
	}
	if(rc < 0)
		im_imdn_free(imdn);
	return rc;
}

static int text_child(xmlNode *parent, xmlNs *ns, const char *name,
		const char *text, char *err, size_t errlen)
{
	if(!text)
		return 0;
	if(!im_xml_text_ok(text) || has_control(text)) {
		snprintf(err, errlen, "<%s> with a control character or bad UTF-8",
				name);
		return -1;
	}
	if(!xmlNewTextChild(parent, ns, BAD_CAST name, BAD_CAST text)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static int build(xmlDocPtr doc, const void *arg, char *err, size_t errlen)
{
	const im_imdn_t *imdn = arg;
	xmlNode *note, *status;
	xmlNs *ns;
	xmlNode *root = im_xml_new_root(doc, "imdn", IM_IMDN_NS, &ns);

	if(!root) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if(!identified(imdn, err, errlen))
		return -1;
	if(!status_fits(imdn->kind, imdn->status)) {
		snprintf(err, errlen, "status does not fit the notification");
		return -1;
	}
	/* RFC 5438 section 9's order */
	if(text_child(root, ns, "message-id", imdn->message_id, err, errlen) < 0
			|| text_child(root, ns, "datetime", imdn->datetime, err, errlen)
					   < 0
			|| text_child(root, ns, "recipient-uri", imdn->recipient_uri, err,
					   errlen)
					   < 0
			|| text_child(root, ns, "original-recipient-uri",
					   imdn->original_recipient_uri, err, errlen)
					   < 0
			|| text_child(root, ns, "subject", imdn->subject, err, errlen) < 0)
		return -1;
	note = xmlNewChild(
			root, ns, BAD_CAST im_imdn_kind_name(imdn->kind), NULL);
	status = note ? xmlNewChild(note, ns, BAD_CAST "status", NULL) : NULL;
	if(!status
			|| !xmlNewChild(status, ns,
					BAD_CAST im_imdn_status_name(imdn->status), NULL)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

int im_imdn_write(const im_imdn_t *imdn, char **out, size_t *len, char *err,
		size_t errlen)
{
	return im_xml_write(build, imdn, out, len, err, errlen);
}
