#ifndef IM_UA_RPC_H
#define IM_UA_RPC_H

#include "core/rpc.h"

extern rpc_export_t imua_rpc_cmds[];

#endif
