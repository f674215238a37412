/*
 * IMDN (lib/im_imdn.c): a document that parses is complete and clean,
 * and written again parses back to the same fields; a
 * Disposition-Notification value parses or fails without reading past it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "im_imdn.h"

static int same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[IM_IMDN_ERR_LEN], *out;
	im_imdn_t m, back;
	unsigned mask;
	size_t len;

	if(im_imdn_disposition_parse((const char *)data, size, &mask) == 0
			&& mask > 0xf)
		abort();
	if(im_imdn_parse((const char *)data, size, &m, err, sizeof(err)) < 0) {
		if(!err[0])
			abort();
		return 0;
	}
	if(!m.message_id || !m.datetime || !im_imdn_kind_name(m.kind)
			|| !im_imdn_status_name(m.status))
		abort();
	/* a field may hold UTF-8 that libxml2 accepted; the writer agrees */
	if(im_imdn_write(&m, &out, &len, err, sizeof(err)) < 0)
		abort();
	if(im_imdn_parse(out, len, &back, err, sizeof(err)) < 0
			|| !same(m.message_id, back.message_id)
			|| !same(m.datetime, back.datetime)
			|| !same(m.recipient_uri, back.recipient_uri)
			|| !same(m.original_recipient_uri, back.original_recipient_uri)
			|| !same(m.subject, back.subject) || m.kind != back.kind
			|| m.status != back.status)
		abort();
	im_imdn_free(&back);
	im_imdn_free(&m);
	free(out);
	return 0;
}
