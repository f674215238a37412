/*
 * Replaces (RFC 3891) across our B2BUA calls (App L, OMA IM TS
 * 6.1.1.2.6 a): an INVITE that replaces a dialog names it as the party
 * on one side of a B2BUA knows it, while the invitee knows it by the
 * other side's Call-ID and tags. The value is followed through every
 * call of this node the dialog crosses.
 */
#ifndef IM_UA_REPLACES_H
#define IM_UA_REPLACES_H

#include "core/str.h"

/* out (NUL-terminated) is the Replaces value `in` as seen past every of
 * our calls it names: 1 when it was mapped, 0 when it names none of our
 * dialogs (out is a copy), -1 when it does not parse or out is too
 * small. party (NULL: not checked) is who asks: the first dialog named
 * must have it as its far end, or nothing is mapped (a third party that
 * learnt someone's dialog identifiers gets no translation to the other
 * side's, RFC 3891 section 7). */
int imua_replaces_map(
		const str *in, const str *party, char *out, int outlen);

/* The same for a request that may come on behalf of another: a transfer
 * target's INVITE names in Referred-By the transferor whose dialog it
 * replaces (RFC 3891 with RFC 3892); referrer may be NULL. */
int imua_replaces_map_for(const str *in, const str *party,
		const str *referrer, char *out, int outlen);

#endif
