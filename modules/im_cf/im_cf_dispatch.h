#ifndef IM_CF_DISPATCH_H
#define IM_CF_DISPATCH_H

#include "core/parser/msg_parser.h"

/* Return codes of im_cf_handle() (README "Functions") */
#define IMCF_HANDLED 0 /* served: the script stops */
#define IMCF_NOT_OURS \
	(-1)					 /* neither a factory nor a session identity,
							   or in a dialog (im_ua_dispatch's) */
#define IMCF_REFUSED (-2)	 /* refused, an error was answered */
#define IMCF_OTHER_NODE (-3) /* a session identity of another node */

/* The routing script's entry to the controlling function. */
int imcf_handle(struct sip_msg *msg);

#endif
