#ifndef IM_SQLITE_RPC_H
#define IM_SQLITE_RPC_H

#include "core/rpc.h"

extern rpc_export_t imsql_rpc_cmds[];

#endif
