/* KEMI export rows for our script functions, which return an int (as
 * their cfg-script twins do) and take no parameter or one string. */
#ifndef IM_KEMI_H
#define IM_KEMI_H

#include "core/kemi.h"

#define IM_KEMI_NOARGS                                                    \
	{                                                                     \
		SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE,       \
				SR_KEMIP_NONE, SR_KEMIP_NONE                              \
	}

/* module.fname() -> int, implemented by fn(sip_msg_t *) */
#define IM_KEMI_INT(module, fname, fn)                                    \
	{                                                                     \
		str_init(module), str_init(fname), SR_KEMIP_INT, fn, IM_KEMI_NOARGS \
	}

/* module.fname(str) -> int, implemented by fn(sip_msg_t *, str *) */
#define IM_KEMI_INT_STR(module, fname, fn)                                \
	{                                                                     \
		str_init(module), str_init(fname), SR_KEMIP_INT, fn,              \
		{                                                                 \
			SR_KEMIP_STR, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE,    \
					SR_KEMIP_NONE, SR_KEMIP_NONE                          \
		}                                                                 \
	}

#define IM_KEMI_END                                                       \
	{                                                                     \
		{0, 0}, {0, 0}, 0, NULL, {0, 0, 0, 0, 0, 0}                       \
	}

#endif
