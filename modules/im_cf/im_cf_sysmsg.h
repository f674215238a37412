/*
 * System messages into a conference (MS-5, OMA TS 7.2.3.5): the switch
 * sends each connected participant its own MSRP SEND, a message/cpim
 * whose From is "<service> <session identity>" and whose To is that
 * participant. The chat alias notice (D-22, MS-2) is one such message to
 * an anonymous participant alone, telling it the alias it appears as.
 */
#ifndef IM_CF_SYSMSG_H
#define IM_CF_SYSMSG_H

#include "core/str.h"

#include "im_cf_table.h"

#define IMCF_SYSMSG_SERVICE "SysAdmin"
#define IMCF_SYSMSG_SERVICE_MAX 32
#define IMCF_SYSMSG_TEXT_TYPE "text/plain;charset=UTF-8"

/* module parameter alias_notice: 0 sends no D-22 notice */
extern int imcf_alias_notice;

/* 1 when service is a display-name token (letters, digits, '-', '_'). */
int imcf_sysmsg_service_ok(const str *service);

/* Sends text, of content type ctype (a value im_mime_type_ok takes; NULL
 * or empty: IMCF_SYSMSG_TEXT_TYPE) inside the CPIM, from service to every
 * connected participant of s: how many got it queued on the relay, or -1
 * when the session is released or has no relay. */
int imcf_sysmsg_send(imcf_session_t *s, const str *service, const str *ctype,
		const str *text);

/* D-22: tells participant idx, when it is anonymous, its chat alias: a
 * message/cpim From the session identity To the alias, whose text/plain
 * says 'You appear as "<alias display>" <alias URI>'. Queued on its relay
 * leg, sent once its MSRP connection is up. 1 sent, 0 nothing to send
 * (not anonymous, notice off, no leg), -1 the relay refused it. */
int imcf_sysmsg_alias(imcf_session_t *s, int idx);

#endif
