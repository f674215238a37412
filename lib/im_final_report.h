/*
 * The OMA Final Delivery Report (App O, C-8, MS-3, MS-6): the document
 * the controlling function sends the originator of an MSRP SEND that
 * asked for one with a CPIM Final-Report: yes header.
 *
 *   <final xmlns="urn:oma:xml:poc:final-report" Message-ID="..." last="true">
 *     <leg uri="sip:b@home2.net" status="200"/>
 *     <leg uri="sip:c@home2.net" status="9999" max-size="1024"/>
 *   </final>
 *
 * status is the recipient's MSRP status code, or 9999 with max-size when
 * the message was larger than the recipient's a=max-size and was not sent
 * to it (MS-3). A leg without a status means nothing to the receiver, so
 * the writer never writes one. last marks the last report for the
 * message (the CF may send several, §5.7.3 NOTE 1).
 *
 * Writer only; the caller keeps its strings; the output is a malloc'd
 * buffer the caller free()s. Content type: IM_FINAL_REPORT_TYPE (D-23).
 */
#ifndef IM_FINAL_REPORT_H
#define IM_FINAL_REPORT_H

#include <stddef.h>

#define IM_FINAL_REPORT_NS "urn:oma:xml:poc:final-report"
#define IM_FINAL_REPORT_TYPE "application/vnd.oma.poc.final-report+xml"
#define IM_FINAL_STATUS_TOO_LARGE 9999
#define IM_FINAL_REPORT_ERR_LEN 96

typedef struct im_final_leg {
	const char *uri;
	unsigned status;		 /* MSRP code 200..999, or 9999 */
	unsigned long long max_size; /* the leg's a=max-size, with 9999 only */
} im_final_leg_t;

/* 0 with *out and *len set, or -1 with a reason in err: an empty message id or
 * uri, a status that is no MSRP code, 9999 without max-size, no leg. */
int im_final_report_write(const char *message_id, int last,
		const im_final_leg_t *legs, size_t n_legs, char **out, size_t *len,
		char *err, size_t errlen);

#endif
