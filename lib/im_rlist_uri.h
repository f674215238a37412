/*
 * The method and headers an RFC 4826 entry URI may carry (OMA App L,
 * RFC 5368 REFER lists): internal to im_rlist.c, apart so that the URI
 * grammar and the XML walk stay small. See im_rlist.h for the rules.
 */
#ifndef IM_RLIST_URI_H
#define IM_RLIST_URI_H

#include <stddef.h>

#include "im_rlist.h"

/*
 * Fills e->target, e->method, e->replaces and e->headers from e->uri
 * (all malloc'd, freed by im_rlist_entry_clear). 0, -1 when the URI is
 * malformed (reason in err), -2 when out of memory.
 */
int im_rlist_split_uri(im_rlist_entry_t *e, char *err, size_t errlen);

void im_rlist_entry_clear(im_rlist_entry_t *e);

#endif
