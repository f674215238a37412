/*
 * Resource-list parse and recipient-list-history write (lib/im_rlist.c):
 * whatever the bytes, the parse fails with a reason or yields distinct,
 * bounded entries whose strings are clean, and the history written from
 * them parses back with no bcc entry and no more entries than it had.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "im_rlist.h"
#include "im_uri.h"

static int has_control(const char *s)
{
	for(; s && *s; s++) {
		if((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	}
	return 0;
}

static void check_entry(const im_rlist_entry_t *e)
{
	if(!e->uri || !e->to.target || !*e->to.target || has_control(e->to.target)
			|| has_control(e->to.replaces) || has_control(e->to.method)
			|| has_control(e->display_name))
		abort();
	if(e->to.n_headers > IM_URI_MAX_HEADERS)
		abort();
	for(size_t h = 0; h < e->to.n_headers; h++) {
		if(has_control(e->to.headers[h].name) || has_control(e->to.headers[h].value))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const size_t max_entries = 16;
	char err[IM_RLIST_ERR_LEN];
	im_rlist_t rl, back;
	char *out;
	size_t len;

	if(im_rlist_parse((const char *)data, size, max_entries, &rl, err,
			   sizeof(err))
			!= IM_RLIST_OK) {
		if(!err[0] || has_control(err) || strchr(err, '"'))
			abort();
		return 0;
	}
	if(rl.count == 0 || rl.count > max_entries)
		abort();
	for(size_t i = 0; i < rl.count; i++) {
		im_span_t a = {rl.entries[i].to.target, strlen(rl.entries[i].to.target)};
		check_entry(&rl.entries[i]);
		for(size_t j = 0; j < i; j++) {
			im_span_t b = {rl.entries[j].to.target, strlen(rl.entries[j].to.target)};
			if(im_uri_same(a, b))
				abort(); /* duplicates are removed */
		}
	}
	if(im_rlist_write_history(&rl, &out, &len) < 0)
		abort();
	/* a history of only bcc entries is an empty list, which is an error */
	if(im_rlist_parse(out, len, max_entries, &back, err, sizeof(err))
			== IM_RLIST_OK) {
		if(back.count > rl.count)
			abort();
		for(size_t i = 0; i < back.count; i++) {
			if(back.entries[i].copy == IM_COPY_BCC || back.entries[i].to.method
					|| back.entries[i].to.replaces)
				abort();
		}
		im_rlist_free(&back);
	} else if(strcmp(err, "resource list without an entry") != 0)
		abort();
	free(out);
	im_rlist_free(&rl);
	return 0;
}
