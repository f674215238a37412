/*
 * Reading RPC arguments as operators type them, for every RPC command of
 * our modules (issue 9 item 4): header-only.
 *
 * kamcmd sends an argument that reads as a whole number (100000, 42) as
 * an integer and anything else as a string, so a command that scans "S"
 * refuses `kamcmd im_pf.policy_set '*' max_size 100000`. These helpers
 * read each argument one at a time with Kamailio's auto-conversion ('.'),
 * which takes a string or an integer, under both ctl (kamcmd, binrpc) and
 * jsonrpcs, and they name what is missing or left over:
 *
 *   im_rpc_args_t a;
 *   im_rpc_args_init(&a, rpc, ctx, "scope, name, value");
 *   if(im_rpc_arg(&a, "scope", &scope, 1) < 1 || ... || im_rpc_end(&a) < 0)
 *       return;  (the fault is sent)
 *
 * Limits of the transports, which no module can undo: kamcmd sends an
 * argument that reads as a decimal fraction or exponent (1.5, 1e3, inf,
 * nan) as a floating-point number, which ctl cannot give as text, and
 * integers as 32 bits; `s:` before an argument makes kamcmd send it as
 * text (s:1.5, s:5000000000). ctl also drops a fault text of 256 bytes or
 * more: keep usage strings short.
 */
#ifndef IM_RPC_ARGS_H
#define IM_RPC_ARGS_H

#include <string.h>

#include "core/rpc.h"
#include "core/str.h"

/* Room for copies of short arguments: jsonrpcs converts a number into
 * int2str()'s static buffer, which the next conversion overwrites. */
#define IM_RPC_ARGS_BUF 512
/* An argument this long or longer cannot be a converted number: it stays
 * where the transport put it, valid for the whole call. */
#define IM_RPC_ARGS_SHORT 32

typedef struct im_rpc_args {
	rpc_t *rpc;
	void *ctx;
	const char *usage; /* the command's arguments, for error messages */
	int n;			   /* arguments read so far */
	int used;
	char buf[IM_RPC_ARGS_BUF];
} im_rpc_args_t;

static inline void im_rpc_args_init(
		im_rpc_args_t *a, rpc_t *rpc, void *ctx, const char *usage)
{
	a->rpc = rpc;
	a->ctx = ctx;
	a->usage = usage;
	a->n = 0;
	a->used = 0;
}

/* Reads the next argument as text, whether it came as a string or an
 * integer. Returns 1 when read, 0 when there is none left (a fault naming
 * it is sent first if it is required), -1 when it could not be read as
 * text (fault sent). */
static inline int im_rpc_arg(
		im_rpc_args_t *a, const char *name, str *out, int required)
{
	static char unset;
	str v = {&unset, -1};
	int r;

	r = a->rpc->scan(a->ctx, "*.S", &v);
	if(r < 1 && v.s == NULL) {
		/* jsonrpcs: an object, array, boolean or null */
		a->rpc->fault(a->ctx, 400,
				"argument %d (%s) must be text or a whole number (expected: "
				"%s)",
				a->n + 1, name, a->usage);
		return -1;
	}
	if(r < 1) {
		/* none left (ctl says the same of a floating-point argument,
		 * which it cannot convert) */
		if(required)
			a->rpc->fault(a->ctx, 400,
					"missing argument %s (expected: %s; kamcmd: s:1.5 "
					"for text that reads as a decimal number)",
					name, a->usage);
		return required ? -1 : 0;
	}
	a->n++;
	if(v.len < IM_RPC_ARGS_SHORT && a->used + v.len + 1 <= IM_RPC_ARGS_BUF) {
		memcpy(a->buf + a->used, v.s, v.len);
		a->buf[a->used + v.len] = '\0';
		v.s = a->buf + a->used;
		a->used += v.len + 1;
	}
	*out = v;
	return 1;
}

/* No argument may follow those the command takes: one that does is
 * refused, by name, rather than silently ignored. 0: none; -1: fault
 * sent. */
static inline int im_rpc_end(im_rpc_args_t *a)
{
	static char unset;
	str extra = {&unset, -1};

	if(a->rpc->scan(a->ctx, "*.S", &extra) < 1) {
		if(extra.s != NULL)
			return 0;
		/* jsonrpcs: something that is not text or a number */
		a->rpc->fault(a->ctx, 400, "unexpected argument %d (expected: %s)",
				a->n + 1, a->usage);
		return -1;
	}
	a->rpc->fault(a->ctx, 400,
			"unexpected argument %d '%.*s' (expected: %s)", a->n + 1,
			extra.s ? (extra.len > 64 ? 64 : extra.len) : 0,
			extra.s ? extra.s : "", a->usage);
	return -1;
}

/* A command that takes no argument refuses one: 0, or -1 (fault sent). */
static inline int im_rpc_none(rpc_t *rpc, void *ctx)
{
	im_rpc_args_t a;

	im_rpc_args_init(&a, rpc, ctx, "no argument");
	return im_rpc_end(&a);
}

#endif
