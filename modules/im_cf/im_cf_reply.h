/*
 * Refusals with their Warning (OMA TS 5.5, written as im_pf writes them:
 * D-34), answered with im_ua's reply.
 */
#ifndef IM_CF_REPLY_H
#define IM_CF_REPLY_H

#include "core/parser/msg_parser.h"
#include "core/str.h"

extern str imcf_warn_agent; /* host in Warning headers */

/* Answers req with code and, when warn is not 0, its Warning. */
void imcf_refuse(struct sip_msg *req, int code, int warn);

/* The same with a Warning of free text (why the relay refused an SDP,
 * D-34), none when text is NULL or empty. */
void imcf_refuse_text(struct sip_msg *req, int code, const char *text);

/* The Warning header for warn (CRLF-terminated) into buf; "" for 0. */
void imcf_warning(int warn, char *buf, int len);
/* The Warning header of free text into buf; "" for none. */
void imcf_warning_text(const char *text, char *buf, int len);

#endif
