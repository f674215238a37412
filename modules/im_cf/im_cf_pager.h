/*
 * The group pager of the controlling function (OMA TS 8.3, PM-1..PM-5,
 * RFC 5365): a MESSAGE to the exploder (factory) URI with a resource list
 * is checked, answered 202 and sent once to every recipient; with a
 * Disposition-Notification in its CPIM wrapper the recipients' IMDNs and
 * the failure IMDNs of the recipients that failed are aggregated under
 * Ts2 (RFC 5438 section 8.3) before they go to the sender.
 *
 * im_cf_pager.c serves the MESSAGE (its checks are the pure
 * im_cf_pager_check.c), im_cf_pager_send.c sends requests, and
 * im_cf_pager_agg.c holds the notifications in shm with Ts2.
 */
#ifndef IM_CF_PAGER_H
#define IM_CF_PAGER_H

#include "core/parser/msg_parser.h"
#include "core/str.h"

/* parameters (README "Parameters") */
extern int imcf_pager_enabled;	/* the MESSAGE URI-list service */
extern int imcf_pager_max_size; /* bytes of the message part, 0: any */

/* mod_init: checks the parameters, binds tm and im_pf, makes the shm
 * list of group messages. 0 or -1. */
int imcf_pager_init(void);

/* A MESSAGE to the factory URI: IMCF_HANDLED (202 sent) or IMCF_REFUSED
 * (an error was answered). */
int imcf_pager_message(struct sip_msg *msg, const str *factory);

#endif
