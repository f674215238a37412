/*
 * The frame being received on a connection, copied out of the input
 * buffer (which moves as it is consumed): engine.c fills it from the
 * head, forward.c and endpoint.c take its body.
 */
#ifndef RELAY_RXFRAME_H
#define RELAY_RXFRAME_H

#include <stdint.h>

#include "engine_ctx.h"
#include "inmsg.h"
#include "msrp_hdr.h"
#include "msrp_parser.h"

typedef enum body_mode {
	BODY_DISCARD = 0, /* read to the end-line, answer, forget */
	BODY_FORWARD,	  /* pieces to f->msg->dests as bytes arrive */
	BODY_CPIM_WAIT,	  /* conference: wait for the CPIM headers first */
	BODY_STORE,		  /* endpoint: assemble the message */
	BODY_REPORT,	  /* bridge: a REPORT's body, passed on at its end-line */
} body_mode_t;

/* The largest REPORT body a bridge passes on (an OMA IM final delivery
 * report of a hundred recipients is a few KiB); a longer one is logged
 * and the REPORT passed on without it. */
#define REPORT_BODY_MAX (64 * 1024)

typedef struct rxframe {
	char tid[MSRP_TID_MAX + 1];
	msrp_method_t method;
	int status;
	leg_t *leg;
	char prev_hop[URI_TEXT_MAX]; /* first From-Path URI: responses go there */
	char our_uri[URI_TEXT_MAX];	 /* first To-Path URI */
	char message_id[MID_MAX];
	msrp_range_t range;
	int success_report, failure_report;
	char content_type[CT_MAX];
	char *mime; /* other MIME headers, copied on; malloc'd, most have none */
	size_t mime_len;
	int report_code; /* REPORT Status */
	char report_comment[COMMENT_MAX];
	uint64_t body_seen;
	int respond; /* status to answer at the end-line, 0: none */
	int binds;	 /* a valid frame binds its unbound leg to the connection */
	char respond_comment[COMMENT_MAX];
	body_mode_t mode;
	inmsg_t *msg;
	shared_buf_t *stage; /* forwarded body gathered for the next piece */
	char *report_body;	 /* BODY_REPORT: malloc'd, report_len bytes */
	size_t report_len;
	int report_too_long;
	uint64_t stage_start; /* message offset of stage->data[0] */
} rxframe_t;

#endif
