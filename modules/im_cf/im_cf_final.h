/*
 * The final delivery reports in progress (C-8, OMA TS 5.7.3, App O):
 * for each message whose sender asked for one, which recipients have an
 * outcome yet. Pure C, no locks, no allocation: im_cf_report.c keeps the
 * table in shm under its lock and sends what this hands back; the unit
 * tests drive it from cf_cases/final_report.txt.
 *
 * A report leaves once every recipient has an outcome, or when it has
 * waited the timeout (a recipient that answered the SEND 200 but never
 * sends its REPORT), or when its slot is needed for a newer message; in
 * the last two cases the recipients without an outcome are reported with
 * IMCF_FINAL_NO_OUTCOME. Every report leaves with last="true": one report
 * per message (5.7.3 NOTE 1 allows it), so later outcomes are ignored.
 */
#ifndef IM_CF_FINAL_H
#define IM_CF_FINAL_H

#include "im_cf_conf.h"

#define IMCF_FINAL_SLOTS 64
#define IMCF_FINAL_MID_MAX 128
/* App O wants an MSRP status code for every leg: 408 is MSRP's "not
 * completed in the allotted time" (RFC 4975 7.3), what the relay itself
 * reports for a recipient that does not answer the SEND. */
#define IMCF_FINAL_NO_OUTCOME 408

typedef struct imcf_final_recipient
{
	int idx;	/* participant */
	int status; /* 0: not known yet; an MSRP code or 9999 */
	unsigned long long max_size;
} imcf_final_recipient_t;

typedef struct imcf_final
{
	unsigned long seq;			/* 0: free; else its age, for reuse */
	unsigned long long started; /* ms: its first recipient named */
	char session[IMCF_ID_MAX];
	char mid[IMCF_FINAL_MID_MAX];
	int sender;
	/* the sender asked for MSRP REPORTs: the report goes in a REPORT
	 * (TS 5.7.3 1), else in a SEND (5.7.3 2, D-23) */
	int in_report;
	long long total; /* the message's size, -1: unknown */
	int n;
	imcf_final_recipient_t r[IMCF_MAX_PARTICIPANTS];
} imcf_final_t;

typedef struct imcf_final_table
{
	unsigned long seq;
	imcf_final_t e[IMCF_FINAL_SLOTS];
} imcf_final_table_t;

/* What imcf_final_event() did with a delivery report. */
typedef enum imcf_final_result
{
	IMCF_FINAL_IGNORED = 0, /* no final report was asked for this message */
	IMCF_FINAL_WAITING,		/* recorded; outcomes are missing */
	IMCF_FINAL_DONE,		/* every recipient has one: *done is the report */
} imcf_final_result_t;

/* One delivery report of the relay (im_relay's report listener). */
typedef struct imcf_final_outcome
{
	const char *session;	/* im_cf session id */
	const char *mid;		/* Message-ID of the SEND */
	int idx;				/* the recipient */
	int code;				/* 100: a recipient named; else its outcome */
	const char *reason;		/* "max-size <n>" for a max-size skip (413) */
	int sender;				/* with code 100: the sender's participant */
	unsigned long long now; /* ms */
	int sender_reports;		/* with code 100: the sender asked for REPORTs */
	long long total;		/* with code 100: the message's size, -1 unknown */
} imcf_final_outcome_t;

void imcf_final_init(imcf_final_table_t *t);

/* Records o. A done report is copied to *done and its slot freed. A new
 * message whose report found every slot taken pushes out the oldest one:
 * it is copied to *evicted (evicted->seq set, else 0), settled as on a
 * timeout, for the caller to send. */
imcf_final_result_t imcf_final_event(imcf_final_table_t *t,
		const imcf_final_outcome_t *o, imcf_final_t *done,
		imcf_final_t *evicted);

/* One report that has waited timeout ms or more at now, settled, copied
 * to *due and its slot freed: 1; 0 when none is due. */
int imcf_final_expire(imcf_final_table_t *t, unsigned long long now,
		unsigned long long timeout, imcf_final_t *due);

/* Frees the reports of a session (released: nobody to send them to);
 * returns how many. */
int imcf_final_forget(imcf_final_table_t *t, const char *session);

int imcf_final_pending(const imcf_final_table_t *t);

#endif
