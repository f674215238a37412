/*
 * Storing a MESSAGE for a user who is not registered (OMA 12.2.2.3, DM-2):
 * im_store_defer().
 */
#ifndef IM_STORE_DEFER_H
#define IM_STORE_DEFER_H

#include "core/parser/msg_parser.h"

#include "im_kbuf.h"

#include "im_store_db.h"

#define IMST_FULL_WARNING \
	"122 Function not allowed: the recipient's message store is full"

/* 1: stored and answered 202; -1: not a MESSAGE, nothing done; -2:
 * refused and answered (413 too big, 486 store full, 500). */
int imst_defer(struct sip_msg *msg);

int imst_defer_init(void);
void imst_defer_destroy(void);

/* The request as stored (12.2.2.3 items 1, 2): request line, headers but
 * credentials, those the script removed and an anonymous sender's PAI,
 * body. 0, or -1. */
int imst_stored_request(struct sip_msg *msg, im_kbuf_t *b);

/* imst_refuse (im_store_reply.h) for a message offered to the store:
 * 413 and 486 count as refused. -2. */
int imst_refuse_store(struct sip_msg *msg, int code, const char *reason,
		const char *warning);

/* 1 when `messages` more messages of size bytes would exceed
 * recipient's quota, 0 when they fit, -1 on a database error. */
int imst_full(const str *recipient, int messages, int size, long long now);

/* Under the user's lock: the quota checked, the row inserted. 0 stored,
 * 1 over quota, -1 error. */
int imst_store(imst_row_t *row);

/* Under the user's lock: a stored row that grew by `grown` bytes (0: no
 * quota check) is updated (imst_db_update). 0 stored, 1 over quota, -1
 * error. */
int imst_store_more(imst_row_t *row, int grown);

#endif
