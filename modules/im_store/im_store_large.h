/*
 * Deferring a Large Message (OMA 12.2.2.1, 12.2.2.3 item 3; DM-2, D-30):
 * the INVITE of a Large Message session to a user who is not registered
 * is answered by us as the terminating UAS, with a relay endpoint leg
 * receiving the sender's SENDs; as soon as a message is complete, the
 * INVITE, our 200 and the message as message/msrp are stored as one
 * multipart/mixed body, the body of its push; the BYE is added when the
 * session ends.
 */
#ifndef IM_STORE_LARGE_H
#define IM_STORE_LARGE_H

#include "core/parser/msg_parser.h"

#include "im_store.h"

/* 1: answered 200, the message is being received; -1: not a Large
 * Message INVITE, nothing done; -2: refused and answered (413, 486, 488,
 * 500, 503). */
int imst_large_defer(struct sip_msg *msg);

/* Large Messages received at a time (on this node) */
#define IMST_LARGE_MAX 64

/* Whether the stored message of token is a Large Message whose session
 * is still under way here: a push leaves it for the next one (its row
 * may still grow). */
int imst_large_receiving(const str *token);

int imst_large_init(void);
void imst_large_destroy(void);

/* The relay's events about our receiving sessions. */
void imst_large_watch(
		int relay, const char *what, const char *session, const char *leg);
void imst_large_received(int relay, const imr_received_t *m);
/* Timer: sessions that ended before their message_received event came
 * are given up after a grace time. */
void imst_large_tick(unsigned int ticks, void *param);

/* Large Messages being received (im_store.stats). */
int imst_large_active(void);

#endif
