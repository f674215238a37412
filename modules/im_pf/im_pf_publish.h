/*
 * PUBLISH Event: poc-settings (OMA TS 6.1.1.5, OP-12, SS-1), answered in
 * full (im_pf_publish.c). 1 when the answer was a 200, -1 otherwise.
 */
#ifndef IM_PF_PUBLISH_H
#define IM_PF_PUBLISH_H

#include "core/parser/msg_parser.h"

int impf_publish(struct sip_msg *msg);

#endif
