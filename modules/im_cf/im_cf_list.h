/*
 * The resource list of a factory INVITE or a REFER (RFC 4826 with the
 * RFC 5364 copy control attributes), as im_cf needs it: one entry per
 * invitee.
 *
 * lib/im_rlist (issue 10, written beside this module) parses the XML with
 * libxml2; imcf_list_parse in im_cf_list.c is the one place that connects
 * to it.
 */
#ifndef IM_CF_LIST_H
#define IM_CF_LIST_H

#include "core/str.h"

#include "im_cf_conf.h"
#include "im_cf_policy.h"

typedef enum imcf_copy
{
	IMCF_COPY_TO = 0, /* RFC 5364 copyControl: shown to the others */
	IMCF_COPY_CC,
	IMCF_COPY_BCC, /* hidden from the others (NNI-16) */
} imcf_copy_t;

typedef struct imcf_list_entry
{
	char uri[IMCF_URI_MAX]; /* without the ?Replaces= header */
	char display[IMCF_DISPLAY_MAX];
	/* App L: the entry's Replaces header, URI-unescaped (D-13); empty
	 * when none */
	char replaces[256];
	imcf_copy_t copy;
	int anonymize; /* RFC 5364 anonymize="true" */
} imcf_list_entry_t;

typedef struct imcf_list
{
	int n;
	imcf_list_entry_t e[IMCF_MAX_PARTICIPANTS];
	/* the recipient-list-history body for the invitations (RFC 5364, NNI-16,
	 * NNI-17): to and cc entries, bcc left out, anonymized ones counted;
	 * pkg, freed by imcf_list_release */
	str history;
} imcf_list_t;

/* Parses an application/resource-lists+xml body into out. IMCF_LIST_OK,
 * or MALFORMED / EMPTY / TOO_MANY with a reason in err. out->history is
 * set on success: release it with imcf_list_release. */
imcf_list_status_t imcf_list_parse(
		const char *xml, int len, imcf_list_t *out, char *err, int errlen);

/* Frees what imcf_list_parse allocated in out (not out itself). */
void imcf_list_release(imcf_list_t *out);

#endif
