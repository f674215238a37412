/*
 * Final Delivery Report writer (lib/im_final_report.c) fed with a
 * Message-ID and legs carved out of the input: it refuses what App O
 * cannot carry, and what it writes is well-formed with one <leg> per leg,
 * each with a status.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "im_final_report.h"

#define MAX_LEGS 4

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* fields are separated by 0xff: id, then uri/status/max-size triples */
	char *copy = malloc(size + 1), *fields[1 + 3 * MAX_LEGS] = {0};
	im_final_leg_t legs[MAX_LEGS] = {{0}};
	char err[IM_FINAL_REPORT_ERR_LEN], *out = NULL;
	size_t nf = 0, n_legs, len;

	memcpy(copy, data, size);
	copy[size] = '\0';
	for(char *p = copy; p && nf < 1 + 3 * MAX_LEGS;) {
		char *sep = strchr(p, '\xff');
		fields[nf++] = p;
		if(sep)
			*sep++ = '\0';
		p = sep;
	}
	n_legs = nf > 1 ? (nf - 1 + 2) / 3 : 0;
	for(size_t i = 0; i < n_legs; i++) {
		legs[i].uri = fields[1 + 3 * i];
		legs[i].status = fields[2 + 3 * i]
								 ? (unsigned)strtoul(fields[2 + 3 * i], NULL, 10)
								 : 0;
		legs[i].max_size = fields[3 + 3 * i]
								   ? strtoull(fields[3 + 3 * i], NULL, 10)
								   : 0;
	}
	if(im_final_report_write(fields[0], (int)(size & 1), legs, n_legs, &out,
			   &len, err, sizeof(err))
			== 0) {
		xmlDocPtr doc = xmlReadMemory(out, (int)len, NULL, NULL, XML_PARSE_NONET);
		size_t count = 0;
		if(!doc)
			abort();
		for(xmlNode *l = xmlDocGetRootElement(doc)->children; l; l = l->next) {
			xmlChar *st;
			if(l->type != XML_ELEMENT_NODE)
				continue;
			st = xmlGetProp(l, BAD_CAST "status");
			if(!st)
				abort();
			xmlFree(st);
			count++;
		}
		if(count != n_legs)
			abort();
		xmlFreeDoc(doc);
	} else if(!err[0])
		abort();
	free(out);
	free(copy);
	return 0;
}
