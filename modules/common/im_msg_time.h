/*
 * The times a request states about itself: its Date (RFC 3261 20.17)
 * and the moment its Expires (20.19) ends. For a pager-mode MESSAGE,
 * Expires is how long its content stays valid (OMA TS 6.1.1.3.1 step 3,
 * 6.1.2.1 step 4, 12.2.2.3 item 6): counted from its Date when it has
 * one (the sender's clock says when it was written), else from when we
 * received it.
 *
 * Shared by im_pf (OP-10, TP-1 step 4, MSG-05) and im_store (DM-2), so
 * that a message the participating function let through is stored with
 * the same end of validity it was judged by.
 */
#ifndef IM_MSG_TIME_H
#define IM_MSG_TIME_H

#include <time.h>

#include "core/parser/msg_parser.h"
#include "core/parser/parse_date.h"
#include "core/parser/parse_expires.h"

/* 1 and *t the request's Date; 0 it has none; -1 it is malformed. */
static inline int im_msg_date(struct sip_msg *msg, time_t *t)
{
	struct tm tm;

	if(parse_headers(msg, HDR_DATE_F, 0) < 0)
		return -1;
	if(!msg->date)
		return 0;
	if(parse_date_header(msg) < 0)
		return -1;
	tm = get_date(msg)->date;
	*t = timegm(&tm);
	return *t == (time_t)-1 ? -1 : 1;
}

/* 1 and *end the second its Expires ends (Date, else now, plus the
 * delta; the delta itself in *delta when not NULL); 0 it has no Expires;
 * -1 its Expires is malformed. A malformed Date counts as none here: the
 * validity is then counted from now. */
static inline int im_msg_valid_until(struct sip_msg *msg, time_t now,
		long long *end, unsigned int *delta)
{
	exp_body_t *e;
	time_t date;

	if(parse_headers(msg, HDR_EXPIRES_F, 0) < 0)
		return -1;
	if(!msg->expires)
		return 0;
	if(parse_expires(msg->expires) < 0)
		return -1;
	e = (exp_body_t *)msg->expires->parsed;
	if(!e || !e->valid)
		return -1;
	if(im_msg_date(msg, &date) != 1)
		date = now;
	*end = (long long)date + (long long)e->val;
	if(delta)
		*delta = e->val;
	return 1;
}

#endif
