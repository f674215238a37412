/*
 * The group pager of the controlling function (OMA TS 8.3, PM-1..PM-5,
 * RFC 5365): a MESSAGE to the exploder (factory) URI with a resource list
 * is checked, answered 202 and sent once to every recipient; with a
 * Disposition-Notification in its CPIM wrapper the recipients' IMDNs and
 * the failure IMDNs of the recipients that failed are aggregated under
 * Ts2 (RFC 5438 section 8.3) before they go to the sender.
 *
 * im_cf_pager.c serves the MESSAGE and sends requests; im_cf_pager_agg.c
 * holds the aggregations in shm, their timer, the IMDNs coming back and
 * the RPC.
 */
#ifndef IM_CF_PAGER_H
#define IM_CF_PAGER_H

#include "core/parser/msg_parser.h"
#include "core/rpc.h"
#include "core/str.h"

/* parameters (README "Parameters") */
extern int imcf_pager_enabled;	  /* the MESSAGE URI-list service */
extern int imcf_pager_ts2;		  /* seconds of Ts2 (OMA TS 15.1) */
extern int imcf_pager_max_size;	  /* bytes of the message part, 0: any */

/* mod_init: binds tm and im_pf, makes the shm table, the Ts2 timer. */
int imcf_pager_init(void);
void imcf_pager_destroy(void);

/* A MESSAGE to the factory URI: IMCF_HANDLED (202 sent) or IMCF_REFUSED
 * (an error was answered). */
int imcf_pager_message(struct sip_msg *msg, const str *factory);

/* A MESSAGE carrying an IMDN for a group message whose Ts2 runs: stored
 * for the aggregation and answered 200 (PM-3): 1. 0: not one of ours,
 * the script delivers it. */
int imcf_pager_imdn(struct sip_msg *msg);

/* Sends a MESSAGE out of any dialog through our own terminating function
 * (or outbound_proxy), signed as our own hop. from_uri/from_dname the
 * From; hdrs extra headers (CRLF-terminated), ctype/body the body. cb
 * (may be NULL) gets the final code once; arg is the caller's. 0 or -1
 * (cb not called). */
typedef void (*imcf_pager_cb_f)(int code, void *arg);
int imcf_pager_send(const str *ruri, const str *from_uri,
		const str *from_dname, const str *hdrs, const str *ctype,
		const str *body, imcf_pager_cb_f cb, void *arg);

/* --- im_cf_pager_agg.c --- */

/* The shm list of group messages and the im_cf.pager RPC. 0 or -1. */
int imcf_pager_agg_init(void);

typedef struct imcf_pager_job imcf_pager_job_t;

/* A group message's notification state; NULL when shm is full. dn is the
 * RFC 5438 mask asked, n the recipients. Referenced once for the caller. */
imcf_pager_job_t *imcf_pager_job_new(const str *sender, const str *factory,
		const char *message_id, const char *datetime, unsigned dn, int n);
void imcf_pager_job_put(imcf_pager_job_t *j);
/* A reference for one fan-out transaction. */
void imcf_pager_job_ref(imcf_pager_job_t *j);
/* The final response of recipient's MESSAGE (PM-5). */
void imcf_pager_job_result(imcf_pager_job_t *j, const char *recipient, int code);

/* im_cf.stats fields and im_cf.pager */
void imcf_pager_stats_add(rpc_t *rpc, void *th);
void imcf_pager_count_accepted(int recipients);

/* timer: Ts2 expiries (PM-4) */
void imcf_pager_tick(unsigned int ticks, void *param);

#endif
