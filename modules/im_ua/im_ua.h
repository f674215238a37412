/*
 * What the im_ua files share: the tm and sl bindings and the module
 * parameters.
 */
#ifndef IM_UA_H
#define IM_UA_H

#include "core/str.h"
#include "modules/sl/sl.h"
#include "modules/tm/tm_load.h"

extern struct tm_binds imua_tmb;
extern sl_api_t imua_slb;

extern int imua_session_expires; /* offered and default interval, s */
extern int imua_min_se;			 /* smallest interval accepted, s */
extern int imua_ack_timeout;	 /* s to wait for the ACK of our 2xx */
extern int imua_hash_size;
extern int imua_contact_timeout; /* s a target may stay silent; 0: tm's */
extern int imua_parallel;		 /* B2BUA calls fork leg B in parallel */
extern str imua_contact_host; /* advertised host[:port]; empty: socket's */
extern str imua_allow;		  /* our Allow header value */

#endif
