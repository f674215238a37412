/*
 * The answers im_store gives itself (a refused MESSAGE, retrieval or
 * delete request), with an OMA Warning (TS 5.6, D-34) when there is one.
 */
#ifndef IM_STORE_REPLY_H
#define IM_STORE_REPLY_H

#include "core/parser/msg_parser.h"

/* Answers msg with code/reason and, when warning is not NULL,
 * "Warning: 399 <warn_agent> \"<warning>\"". Returns -2 (refused and
 * answered, what the script functions return). */
int imst_refuse(struct sip_msg *msg, int code, const char *reason,
		const char *warning);

#endif
