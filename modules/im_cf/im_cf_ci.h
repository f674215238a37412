/*
 * The conference-info document one conference subscriber gets (CF-11,
 * CF-21, App M), from the conference state: pure C over imcf_conf_t and
 * lib/im_confinfo, unit-tested from golden cases.
 *
 * A participant is shown while its dialog is confirmed (endpoint status
 * `connected`); one the subscriber was shown and that left since is
 * written once more with status `disconnected`, in the partial document
 * that reports it, and left out of full documents after that. Pending
 * invitations are not shown (CF-21 defines only these two statuses).
 * An anonymous participant appears under its alias only (MS-2).
 */
#ifndef IM_CF_CI_H
#define IM_CF_CI_H

#include <stddef.h>

#include "im_cf_conf.h"

/* What a subscriber was last told of one participant. */
typedef enum imcf_told
{
	IMCF_TOLD_NOTHING = 0,
	IMCF_TOLD_CONNECTED,
	IMCF_TOLD_DISCONNECTED,
} imcf_told_t;

#define IMCF_CT_CONFINFO "application/conference-info+xml"

/* 1 when subscriber (a URI or an alias) is a participant whose dialog
 * is confirmed: who may subscribe (CF-11 step 4) and keep its
 * subscription (CF-22); else 0. */
int imcf_ci_attending(const imcf_conf_t *c, const char *subscriber);

/*
 * The document for the subscriber whose identity is subscriber (its
 * own <user> gets yourown="true"), with version `version`: every
 * connected participant when full, else the participants whose state
 * differs from told[] (c->cap entries). told[] is brought up to date.
 * 1 with *out (malloc'd, the caller free()s) and *len; 0 when a partial
 * document would report nothing (told[] unchanged, nothing allocated);
 * -1 with a reason in err.
 */
int imcf_ci_write(const imcf_conf_t *c, const char *subscriber, int full,
		unsigned char *told, unsigned int version, char **out, size_t *len,
		char *err, size_t errlen);

#endif
