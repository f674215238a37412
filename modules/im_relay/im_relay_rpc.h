#ifndef IM_RELAY_RPC_H
#define IM_RELAY_RPC_H

#include "core/rpc.h"

extern rpc_export_t imr_rpc_cmds[];

#endif
