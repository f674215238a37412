/*
 * Our dialogs with users of other IM domains (TR-1029 6.2, NNI-14): across
 * the NNI our Contact is the IM Session Identity itself, at the domain of
 * the session, not this server's address. The peer's participating
 * function announces that Contact as the focus (D-9); a request its user
 * later sends to the focus (a SUBSCRIBE, 6.2.5; a rejoin, 6.2.3) then
 * routes by the identity's domain to its peer entry for us, which an
 * address of ours would not.
 */
#ifndef IM_CF_NNI_H
#define IM_CF_NNI_H

#include "core/str.h"

#include "im_cf_table.h"

/* The Contact host of s's dialog with the user at uri: the identity's
 * domain when uri is not of a domain this server serves, else
 * contact_host (empty: the socket's address). */
str imcf_nni_contact_host(const imcf_session_t *s, const char *uri);

#endif
