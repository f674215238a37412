#ifndef IM_STORE_RPC_H
#define IM_STORE_RPC_H

#include "core/rpc.h"

extern rpc_export_t imst_rpc_cmds[];

#endif
