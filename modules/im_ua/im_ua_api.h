/*
 * Bind API functions over the call table (im_ua_api.c).
 */
#ifndef IM_UA_API_H
#define IM_UA_API_H

#include "core/parser/msg_parser.h"

#include "im_ua_load.h"

int imua_alias_target(const str *user, char *out, int outlen);
/* OP-5: rewrites the Request-URI of a request to one of our Contacts to
 * what that Contact stands for. 1 done, -1 not ours. */
int imua_map_ruri(struct sip_msg *msg);
int imua_call_info(imua_call_t *c, imua_call_info_t *info);
void imua_foreach(int (*fn)(imua_call_t *c, void *app, void *arg), void *arg);
void imua_end_call(imua_call_t *c, const char *reason);
int imua_request_targets(
		struct sip_msg *msg, const str *next_hop, imua_target_t *t, int max);

#endif
