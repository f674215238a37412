/* KEMI export rows for our script functions, which all take no parameter
 * and return an int (as their cfg-script twins do). */
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

#define IM_KEMI_END                                                       \
	{                                                                     \
		{0, 0}, {0, 0}, 0, NULL, {0, 0, 0, 0, 0, 0}                       \
	}

#endif
