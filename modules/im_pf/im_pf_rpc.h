#ifndef IM_PF_RPC_H
#define IM_PF_RPC_H

#include "core/rpc.h"

extern rpc_export_t impf_rpc_cmds[];

#endif
