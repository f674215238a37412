#include "im_xml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

/* Called by libxml2 at <!DOCTYPE ...>: stop before the DTD is read. */
static void refuse_doctype(void *ctx, const xmlChar *name,
		const xmlChar *external_id, const xmlChar *system_id)
{
	xmlParserCtxtPtr ctxt = ctx;

	(void)name;
	(void)external_id;
	(void)system_id;
	*(int *)ctxt->_private = 1;
	xmlStopParser(ctxt);
}

static void syntax_error(xmlParserCtxtPtr ctxt, char *err, size_t errlen)
{
	const xmlError *e = xmlCtxtGetLastError(ctxt);
	const char *msg = e && e->message ? e->message : "not well-formed";
	size_t n = strlen(msg);

	/* libxml2 ends its messages with a newline */
	while(n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		n--;
	snprintf(err, errlen, "malformed xml: line %d: %.*s", e ? e->line : 0,
			(int)n, msg);
}

im_xml_status_t im_xml_parse(const char *buf, size_t len, size_t max_len,
		xmlDocPtr *doc, char *err, size_t errlen)
{
	const int options = XML_PARSE_NONET | XML_PARSE_NOERROR
						| XML_PARSE_NOWARNING;
	xmlParserCtxtPtr ctxt;
	int saw_doctype = 0;

	*doc = NULL;
	if(len > max_len) {
		snprintf(err, errlen, "xml document larger than %zu bytes", max_len);
		return IM_XML_ERR_SIZE;
	}
	ctxt = xmlNewParserCtxt();
	if(!ctxt) {
		snprintf(err, errlen, "out of memory");
		return IM_XML_ERR_NOMEM;
	}
	ctxt->sax->internalSubset = refuse_doctype;
	ctxt->_private = &saw_doctype;
	*doc = xmlCtxtReadMemory(ctxt, buf, (int)len, NULL, NULL, options);
	if(saw_doctype || !*doc || !ctxt->wellFormed) {
		xmlFreeDoc(*doc);
		*doc = NULL;
		if(saw_doctype)
			snprintf(err, errlen, "xml document with a DOCTYPE refused");
		else
			syntax_error(ctxt, err, errlen);
		xmlFreeParserCtxt(ctxt);
		return saw_doctype ? IM_XML_ERR_DOCTYPE : IM_XML_ERR_SYNTAX;
	}
	xmlFreeParserCtxt(ctxt);
	return IM_XML_OK;
}

int im_xml_is(const xmlNode *node, const char *ns, const char *name)
{
	return node->type == XML_ELEMENT_NODE && node->ns
		   && strcmp((const char *)node->ns->href, ns) == 0
		   && strcmp((const char *)node->name, name) == 0;
}

int im_xml_boolean(const char *v, int *b)
{
	if(strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
		*b = 1;
	else if(strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
		*b = 0;
	else
		return -1;
	return 0;
}

void im_xml_printable(char *s)
{
	for(; *s; s++) {
		if((unsigned char)*s < 0x20 || *s == '"' || *s == 0x7f)
			*s = '?';
	}
}

/* The code point of the UTF-8 sequence at s (its length in *n), or -1
 * for a malformed, overlong or surrogate one. libxml2's own
 * xmlCheckUTF8 lets overlong forms through, which its parser refuses. */
static long utf8_char(const unsigned char *s, int *n)
{
	static const long min[] = {0, 0, 0x80, 0x800, 0x10000};
	long cp;

	if(s[0] < 0x80) {
		*n = 1;
		return s[0];
	}
	if(s[0] >= 0xc2 && s[0] <= 0xdf)
		*n = 2;
	else if(s[0] >= 0xe0 && s[0] <= 0xef)
		*n = 3;
	else if(s[0] >= 0xf0 && s[0] <= 0xf4)
		*n = 4;
	else
		return -1;
	cp = s[0] & (0x7f >> *n);
	for(int i = 1; i < *n; i++) {
		if((s[i] & 0xc0) != 0x80)
			return -1; /* also stops at the NUL */
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if(cp < min[*n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return -1;
	return cp;
}

int im_xml_text_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	int n;

	while(*p) {
		long cp = utf8_char(p, &n);
		/* XML 1.0 Char: no C0 control but tab, LF, CR; no U+FFFE/FFFF */
		if(cp < 0 || (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r')
				|| cp == 0xfffe || cp == 0xffff)
			return 0;
		p += n;
	}
	return 1;
}

int im_xml_dump(xmlDocPtr doc, char **out, size_t *len)
{
	xmlChar *mem = NULL;
	int n = 0;

	xmlDocDumpFormatMemoryEnc(doc, &mem, &n, "UTF-8", 1);
	if(!mem || n <= 0) {
		xmlFree(mem);
		return -1;
	}
	/* a plain malloc'd copy: the caller need not know xmlFree */
	*out = malloc((size_t)n + 1);
	if(!*out) {
		xmlFree(mem);
		return -1;
	}
	memcpy(*out, mem, (size_t)n);
	(*out)[n] = '\0';
	*len = (size_t)n;
	xmlFree(mem);
	return 0;
}

xmlNode *im_xml_new_root(
		xmlDocPtr doc, const char *name, const char *ns, xmlNs **nsp)
{
	xmlNode *root = xmlNewDocNode(doc, NULL, BAD_CAST name, NULL);

	if(!root)
		return NULL;
	xmlDocSetRootElement(doc, root);
	*nsp = xmlNewNs(root, BAD_CAST ns, NULL);
	if(!*nsp)
		return NULL;
	xmlSetNs(root, *nsp);
	return root;
}

int im_xml_write(im_xml_build_fn build, const void *arg, char **out,
		size_t *len, char *err, size_t errlen)
{
	xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
	int rc = -1;

	if(!doc)
		snprintf(err, errlen, "out of memory");
	else if(build(doc, arg, err, errlen) == 0) {
		rc = im_xml_dump(doc, out, len);
		if(rc < 0)
			snprintf(err, errlen, "out of memory");
	}
	xmlFreeDoc(doc);
	return rc;
}
