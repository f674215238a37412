#ifndef IM_CF_RPC_H
#define IM_CF_RPC_H

#include "core/rpc.h"

extern rpc_export_t imcf_rpc_cmds[];

#endif
