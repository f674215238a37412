/*
 * Final delivery reports (C-8, OMA TS 5.7.3, App O, D-23): a SEND whose
 * CPIM asks for one (Final-Report: yes) makes the relay tell us its
 * recipients (delivery_report code 100) and then each one's outcome (the
 * recipient's REPORT, an error response or timeout, a max-size skip 413).
 * Once every recipient has one, or final_report_timeout s after the
 * first recipient was named (a recipient that never sends its REPORT),
 * the sender gets one report: a message/cpim from the session identity
 * carrying application/vnd.oma.poc.final-report+xml
 * (lib/im_final_report), with last="true"; a recipient without an
 * outcome is reported 408. The bookkeeping is im_cf_final.c.
 */
#ifndef IM_CF_REPORT_H
#define IM_CF_REPORT_H

#include "core/rpc.h"

#include "im_relay_load.h"

/* s: how long a report waits for its recipients' outcomes (modparam
 * final_report_timeout) */
extern int imcf_final_report_timeout;

/* shm for the reports in progress; in mod_init. 0 or -1. */
int imcf_report_init(void);
void imcf_report_destroy(void);

/* im_relay's report listener (imr_report_f). */
void imcf_report_event(int relay, const imr_delivery_t *d);

/* Sends the reports whose time is up; a core timer, every second. */
void imcf_report_tick(unsigned int ticks, void *param);

/* The session is released: its reports have nobody to go to. */
void imcf_report_forget(const char *session);

/* final_reports_pending, final_reports_timed_out for im_cf.stats */
void imcf_report_stats_add(rpc_t *rpc, void *th);

#endif
