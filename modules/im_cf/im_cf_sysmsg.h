/*
 * System messages into a conference (MS-5, OMA TS 7.2.3.5): the switch
 * sends each connected participant its own MSRP SEND, a message/cpim
 * whose From is "<service> <session identity>" and whose To is that
 * participant.
 */
#ifndef IM_CF_SYSMSG_H
#define IM_CF_SYSMSG_H

#include "core/str.h"

#include "im_cf_table.h"

#define IMCF_SYSMSG_SERVICE "SysAdmin"
#define IMCF_SYSMSG_SERVICE_MAX 32
#define IMCF_SYSMSG_TEXT_TYPE "text/plain;charset=UTF-8"

/* 1 when service is a display-name token (letters, digits, '-', '_'). */
int imcf_sysmsg_service_ok(const str *service);

/* Sends text, of content type ctype (a value im_mime_type_ok takes; NULL
 * or empty: IMCF_SYSMSG_TEXT_TYPE) inside the CPIM, from service to every
 * connected participant of s: how many got it queued on the relay, or -1
 * when the session is released or has no relay. */
int imcf_sysmsg_send(imcf_session_t *s, const str *service, const str *ctype,
		const str *text);

#endif
