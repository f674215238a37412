/*
 * RFC 4826 resource lists as the URI-list services carry them: the
 * recipients of an ad-hoc INVITE (RFC 5366, CF-2), of a group MESSAGE
 * (RFC 5365, PM-1) and of a multiple-refer REFER whose Refer-To is a cid:
 * body part (RFC 5368, CF-7), with the RFC 5364 copy-control attributes
 * (NNI-16), and the recipient-list-history body the controlling function
 * copies into every invitation (NNI-17).
 *
 * Parse: every <entry uri> of every <list>, nested lists flattened in
 * document order, first occurrence kept; a repeated URI is removed and
 * counted (RFC 5366 section 4). <entry-ref> and <external> point at lists
 * elsewhere, which a URI-list service does not fetch: they are counted
 * in `refs` and otherwise skipped. An entry URI may carry a method and
 * headers (OMA App L, RFC 5368 REFER lists): each entry holds the split
 * of im_uri_target.h, whose rules apply (no header injection).
 *
 * Limits: documents over IM_RLIST_MAX_DOC bytes, lists nested deeper
 * than IM_RLIST_MAX_DEPTH, more than the caller's max_entries distinct
 * entries (CF-2 step 8 answers that 486 + 102), a DOCTYPE, are errors; the
 * parse never loads anything over the network nor expands entities.
 *
 * Errors: a negative im_rlist_status_t and a one-line reason in the
 * caller's buffer (IM_RLIST_ERR_LEN bytes are enough) that the caller can
 * put in its 400 response or Warning.
 *
 * Memory: the entries and their strings are malloc'd and owned by the
 * im_rlist_t until im_rlist_free(); the history writer returns a
 * malloc'd buffer the caller free()s. No global state besides libxml2's.
 */
#ifndef IM_RLIST_H
#define IM_RLIST_H

#include <stddef.h>

#include "im_uri_target.h"

#define IM_RLIST_NS "urn:ietf:params:xml:ns:resource-lists"
#define IM_COPYCONTROL_NS "urn:ietf:params:xml:ns:copycontrol"
/* RFC 5364's anonymous stand-in (RFC 3323 anonymous URI) */
#define IM_RLIST_ANONYMOUS_URI "sip:anonymous@anonymous.invalid"

#define IM_RLIST_MAX_DOC 65536
#define IM_RLIST_MAX_DEPTH 8
#define IM_RLIST_ERR_LEN 160

typedef enum im_rlist_status {
	IM_RLIST_OK = 0,
	IM_RLIST_ERR_SIZE = -1,		/* document over IM_RLIST_MAX_DOC */
	IM_RLIST_ERR_XML = -2,		/* not well-formed */
	IM_RLIST_ERR_DOCTYPE = -3,	/* DOCTYPE present */
	IM_RLIST_ERR_STRUCTURE = -4, /* not <resource-lists><list>.., too deep */
	IM_RLIST_ERR_ENTRY = -5,	/* an entry's uri or attribute is invalid */
	IM_RLIST_ERR_TOO_MANY = -6, /* more distinct entries than max_entries */
	IM_RLIST_ERR_EMPTY = -7,	/* not one entry */
	IM_RLIST_ERR_NOMEM = -8,
} im_rlist_status_t;

/* RFC 5364 copyControl; an entry without one is a "to" recipient */
typedef enum im_copy_control {
	IM_COPY_TO = 0,
	IM_COPY_CC,
	IM_COPY_BCC,
} im_copy_control_t;

typedef struct im_rlist_entry {
	char *uri;			/* the uri attribute as written */
	im_uri_target_t to; /* its target, method and headers */
	char *display_name; /* <display-name>, NULL when absent */
	im_copy_control_t copy;
	int anonymize; /* cp:anonymize="true" */
} im_rlist_entry_t;

typedef struct im_rlist {
	im_rlist_entry_t *entries;
	size_t count;
	size_t duplicates; /* entries removed as repeats of an earlier one */
	size_t refs;	   /* <entry-ref>/<external> skipped */
} im_rlist_t;

/*
 * Parses a resource-lists document. On success returns IM_RLIST_OK and
 * fills *rl (count >= 1); otherwise a negative status, *rl left empty
 * (im_rlist_free on it is harmless) and err (errlen bytes) the reason.
 */
im_rlist_status_t im_rlist_parse(const char *doc, size_t len,
		size_t max_entries, im_rlist_t *rl, char *err, size_t errlen);

void im_rlist_free(im_rlist_t *rl);

/* "to", "cc", "bcc" */
const char *im_copy_control_name(im_copy_control_t c);

/*
 * Writes the recipient-list-history body (RFC 5364 section 4, NNI-16/17)
 * of rl: its to and cc entries by target URI with their display names
 * and copyControl, bcc entries left out, entries marked anonymize left
 * out and replaced by one IM_RLIST_ANONYMOUS_URI entry per copyControl
 * whose cp:count says how many it stands for. No method or header of an
 * entry ever appears in it. *out is malloc'd (NUL-terminated, *len
 * bytes) and free()d by the caller. 0, or -1 when out of memory or when
 * an entry holds text XML cannot carry.
 */
int im_rlist_write_history(const im_rlist_t *rl, char **out, size_t *len);

#endif
