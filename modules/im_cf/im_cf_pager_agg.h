/*
 * The notifications of group MESSAGEs under Ts2 (PM-3..PM-5,
 * im_cf_pager_agg.c).
 */
#ifndef IM_CF_PAGER_AGG_H
#define IM_CF_PAGER_AGG_H

#include "core/parser/msg_parser.h"
#include "core/rpc.h"
#include "core/str.h"

extern int imcf_pager_ts2; /* seconds of Ts2 (OMA TS 15.1) */

typedef struct imcf_pager_job imcf_pager_job_t;

/* The shm list of group messages and the im_cf.pager RPC. 0 or -1. */
int imcf_pager_agg_init(void);
void imcf_pager_destroy(void);

/* A group message's notification state; NULL when shm is full. dn is the
 * RFC 5438 mask asked (0: none, Ts2 does not run), n the distinct
 * recipients. Referenced once for the caller. */
imcf_pager_job_t *imcf_pager_job_new(const str *sender, const str *factory,
		const char *message_id, const char *datetime, unsigned dn, int n);
void imcf_pager_job_put(imcf_pager_job_t *j);
/* A reference for one fan-out transaction. */
void imcf_pager_job_ref(imcf_pager_job_t *j);
/* The final response of recipient's MESSAGE (PM-5). */
void imcf_pager_job_result(imcf_pager_job_t *j, const char *recipient, int code);
/* fan-out MESSAGEs sent, for im_cf.stats */
void imcf_pager_count_accepted(int recipients);

/* A MESSAGE carrying an IMDN for a group message whose Ts2 runs: stored
 * for the aggregation and answered 200 (PM-3): 1. 0: not one of ours,
 * the script delivers it. */
int imcf_pager_imdn(struct sip_msg *msg);

/* timer: Ts2 expiries (PM-4) */
void imcf_pager_tick(unsigned int ticks, void *param);

/* the pager_* fields of im_cf.stats */
void imcf_pager_stats_add(rpc_t *rpc, void *th);

#endif
