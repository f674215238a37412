/*
 * System messages (OMA TS 5.4, C-3): RPC im_pf.system_message,
 * im_pf_sysmsg.c.
 */
#ifndef IM_PF_SYSMSG_H
#define IM_PF_SYSMSG_H

#include "core/rpc.h"

/* Binds tm; from mod_init. */
int impf_sysmsg_init(void);

extern const char *impf_rpc_system_message_doc[];
void impf_rpc_system_message(rpc_t *rpc, void *ctx);

#endif
