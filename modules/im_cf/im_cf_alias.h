/*
 * Chat aliases for anonymous participants (MS-2, SP-7): the display name
 * and URI shown to the others instead of the private address. Pure C.
 */
#ifndef IM_CF_ALIAS_H
#define IM_CF_ALIAS_H

#include <stddef.h>

#include "im_cf_conf.h"

#define IMCF_ALIAS_DOMAIN "anonymous.invalid"

/*
 * An alias unique in c for participant self: the display name it asked
 * for (empty: "anonymous"), suffixed "-2", "-3" ... while another
 * participant shows it already (its own private display name does not
 * count), and the URI sip:anonymous<N>@anonymous.invalid with a number not
 * used before in c. 0, or -1 when the buffers are too small.
 */
int imcf_alias_pick(imcf_conf_t *c, int self, const char *want, char *display,
		size_t display_len, char *uri, size_t uri_len);

#endif
