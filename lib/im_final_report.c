#include "im_final_report.h"

#include <stdio.h>

#include "im_xml.h"

static int fail(char *err, size_t errlen, const char *why)
{
	snprintf(err, errlen, "%s", why);
	return -1;
}

static int leg(xmlNode *final, xmlNs *ns, const im_final_leg_t *l, char *err,
		size_t errlen)
{
	xmlNode *n;
	char num[24];
	int too_large = l->status == IM_FINAL_STATUS_TOO_LARGE;

	if(!l->uri || !*l->uri || !im_xml_text_ok(l->uri))
		return fail(err, errlen, "leg with an empty or invalid uri");
	if(!too_large && (l->status < 200 || l->status > 999))
		return fail(err, errlen, "leg status is not an MSRP final code");
	if(too_large != (l->max_size > 0))
		return fail(err, errlen, "max-size goes with status 9999 only");
	n = xmlNewChild(final, ns, BAD_CAST "leg", NULL);
	if(!n || !xmlNewProp(n, BAD_CAST "uri", BAD_CAST l->uri))
		return fail(err, errlen, "out of memory");
	snprintf(num, sizeof(num), "%u", l->status);
	if(!xmlNewProp(n, BAD_CAST "status", BAD_CAST num))
		return fail(err, errlen, "out of memory");
	if(!too_large)
		return 0;
	snprintf(num, sizeof(num), "%llu", l->max_size);
	return xmlNewProp(n, BAD_CAST "max-size", BAD_CAST num)
				   ? 0
				   : fail(err, errlen, "out of memory");
}

typedef struct report {
	const char *message_id;
	int last;
	const im_final_leg_t *legs;
	size_t n_legs;
} report_t;

static int build(xmlDocPtr doc, const void *arg, char *err, size_t errlen)
{
	const report_t *r = arg;
	xmlNs *ns;
	xmlNode *root = im_xml_new_root(doc, "final", IM_FINAL_REPORT_NS, &ns);

	if(!root)
		return fail(err, errlen, "out of memory");
	if(!r->message_id || !*r->message_id || !im_xml_text_ok(r->message_id))
		return fail(err, errlen, "empty or invalid Message-ID");
	if(!r->n_legs)
		return fail(err, errlen, "final report without a leg");
	if(!xmlNewProp(root, BAD_CAST "Message-ID", BAD_CAST r->message_id)
			|| (r->last && !xmlNewProp(root, BAD_CAST "last", BAD_CAST "true")))
		return fail(err, errlen, "out of memory");
	for(size_t i = 0; i < r->n_legs; i++) {
		if(leg(root, ns, &r->legs[i], err, errlen) < 0)
			return -1;
	}
	return 0;
}

int im_final_report_write(const char *message_id, int last,
		const im_final_leg_t *legs, size_t n_legs, char **out, size_t *len,
		char *err, size_t errlen)
{
	const report_t r = {message_id, last, legs, n_legs};

	return im_xml_write(build, &r, out, len, err, errlen);
}
