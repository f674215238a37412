/*
 * Final delivery reports (C-8, OMA TS 5.7.3, App O, D-23): a SEND whose
 * CPIM asks for one (Final-Report: yes) makes the relay tell us its
 * recipients (delivery_report code 100) and then each one's outcome (the
 * recipient's REPORT, an error response or timeout, a max-size skip 413).
 * Once every recipient has one, the sender gets one report: a message/cpim
 * from the session identity carrying
 * application/vnd.oma.poc.final-report+xml (lib/im_final_report), with
 * last="true".
 */
#ifndef IM_CF_REPORT_H
#define IM_CF_REPORT_H

/* shm for the reports in progress; in mod_init. 0 or -1. */
int imcf_report_init(void);
void imcf_report_destroy(void);

/* im_relay's report listener (imr_report_f). */
void imcf_report_event(int relay, const char *session, const char *leg,
		const char *message_id, int code, const char *reason,
		const char *sender_leg);

#endif
