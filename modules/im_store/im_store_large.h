/*
 * Deferring a Large Message (OMA 12.2.2.1, 12.2.2.3 item 3; DM-2, D-30):
 * the INVITE of a Large Message session to a user who is not registered
 * is answered by us as the terminating UAS, with a relay endpoint leg
 * receiving the sender's SENDs; when the session ends with the message
 * complete, the INVITE, our 200, the message as message/msrp and the BYE
 * are stored as one multipart/mixed body, the body of its push.
 */
#ifndef IM_STORE_LARGE_H
#define IM_STORE_LARGE_H

#include "core/parser/msg_parser.h"

#include "im_store.h"

/* 1: answered 200, the message is being received; -1: not a Large
 * Message INVITE, nothing done; -2: refused and answered (413, 486, 488,
 * 500, 503). */
int imst_large_defer(struct sip_msg *msg);

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
