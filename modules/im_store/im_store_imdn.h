/*
 * Failure IMDNs of deferred messages (OMA TS 12.2.2.6, DM-7, RFC 5438):
 * what a stored MESSAGE's CPIM body asked for, recorded when it is
 * stored; the notification its sender gets when it is deleted unread
 * (a REFER to Delete@, im_store.delete) or expires (DM-6).
 */
#ifndef IM_STORE_IMDN_H
#define IM_STORE_IMDN_H

#include "core/parser/msg_parser.h"

#include "im_store_db.h"

/* Fills row's imdn_* from msg's message/cpim body when it asks for
 * negative-delivery, into buf (IMST_IMDN_BUF bytes, the caller's); leaves
 * them empty else. received: the DateTime to notify about when the body
 * has none. */
#define IMST_IMDN_BUF 768
void imst_imdn_fields(struct sip_msg *msg, imst_row_t *row, char *buf);
/* The same from a message's Content-Type and body (a Large Message's,
 * as its SEND carried it). */
void imst_imdn_fields_of(
		const str *ctype, const str *body, imst_row_t *row, char *buf);

/* Deletes what sel selects; each message that asked for a failure IMDN
 * is deleted on its own and, when this call deleted it, its sender gets
 * one. The rows deleted, or -1. */
int imst_delete_notify(const imst_sel_t *sel);

#endif
