#ifndef IM_CF_DISPATCH_H
#define IM_CF_DISPATCH_H

#include "core/parser/msg_parser.h"

#include "im_cf_factory.h" /* the return codes */

/* The routing script's entry to the controlling function. */
int imcf_handle(struct sip_msg *msg);

#endif
