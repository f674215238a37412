/*
 * The one place where lib/ hands bytes from the network to libxml2, and
 * turns a built tree back into bytes. Internal to lib/: the public
 * headers (im_rlist.h, im_confinfo.h) keep libxml2 types out, so the
 * modules need only -lxml2, not its include path.
 *
 * A parse is hardened for documents from untrusted peers: a size cap
 * checked before libxml2 sees a byte, no network access (XML_PARSE_NONET),
 * no entity substitution (no XML_PARSE_NOENT), and any DOCTYPE refused
 * the moment the parser meets it, so no DTD, internal entity or external
 * subset is ever processed (billion laughs, XXE).
 */
#ifndef IM_XML_H
#define IM_XML_H

#include <stddef.h>

#include <libxml/tree.h>

typedef enum im_xml_status {
	IM_XML_OK = 0,
	IM_XML_ERR_SIZE = -1,	 /* larger than the caller's cap */
	IM_XML_ERR_SYNTAX = -2,	 /* not well-formed */
	IM_XML_ERR_DOCTYPE = -3, /* carries a DOCTYPE */
	IM_XML_ERR_NOMEM = -4,
} im_xml_status_t;

/*
 * Parses len bytes (at most max_len) into *doc, which the caller frees
 * with xmlFreeDoc. On failure *doc is NULL and err holds a one-line
 * reason ("line 3: ..." for syntax errors), never longer than errlen - 1.
 */
im_xml_status_t im_xml_parse(const char *buf, size_t len, size_t max_len,
		xmlDocPtr *doc, char *err, size_t errlen);

/* The element's namespace is ns and its local name is name. */
int im_xml_is(const xmlNode *node, const char *ns, const char *name);

/* xs:boolean ("true", "false", "1", "0") into *b: 0, or -1. */
int im_xml_boolean(const char *v, int *b);

/*
 * Makes a parse error's reason fit a SIP reason phrase or Warning text:
 * control characters and double quotes become '?'.
 */
void im_xml_printable(char *s);

/*
 * 1 when s is UTF-8 made only of characters XML 1.0 allows (no control
 * characters but tab, LF and CR): what a writer checks before putting a
 * caller's string into a document, since libxml2 would write it as is.
 */
int im_xml_text_ok(const char *s);

/*
 * The root element of a new document, in namespace ns as the default
 * namespace (*nsp, for the children). NULL when out of memory.
 */
xmlNode *im_xml_new_root(
		xmlDocPtr doc, const char *name, const char *ns, xmlNs **nsp);

/* What a writer fills a new document with: 0, or -1 with a reason. */
typedef int (*im_xml_build_fn)(
		xmlDocPtr doc, const void *arg, char *err, size_t errlen);

/*
 * Builds a document with build(doc, arg, ...) and serialises it as
 * im_xml_dump does: the skeleton every writer of lib/ shares. 0, or -1
 * with the reason in err.
 */
int im_xml_write(im_xml_build_fn build, const void *arg, char **out,
		size_t *len, char *err, size_t errlen);

/*
 * Serialises doc as indented UTF-8 with an XML declaration into a
 * malloc'd NUL-terminated buffer (*out, length *len; the caller frees
 * it with free()). 0, or -1 when out of memory.
 */
int im_xml_dump(xmlDocPtr doc, char **out, size_t *len);

#endif
