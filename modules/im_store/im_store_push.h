/*
 * Pushing a user's deferred messages (OMA 12.2.2.2, 12.2.2.5; DM-3, DM-4,
 * D-29, D-30): an INVITE to the user (Contact with automata, SDP sendonly
 * from a relay endpoint leg), one MSRP SEND per stored message as
 * message/sip, each deleted after its MSRP 200, then BYE.
 *
 * The delivery half (a slot per user, the SENDs, their reports, the end)
 * also serves a retrieval (12.2.1, im_store_retrieve.c), whose dialog the
 * user opened: one push or retrieval per user at a time.
 */
#ifndef IM_STORE_PUSH_H
#define IM_STORE_PUSH_H

#include "core/parser/msg_parser.h"

#include "im_kbuf.h"

#include "im_store.h"

/* Message-IDs one retrieval may name (12.2.1.1: its resource list) */
#define IMST_PICK_MAX 64
#define IMST_KEY_MAX 64
/* messages read and sent at a time; the next batch is read when half of
 * them are reported: thousands stored for one user neither fill private
 * memory nor the relay's queue */
#define IMST_PUSH_BATCH 64
/* contacts of a user one push INVITE forks to (DM-3), as im_pf's
 * sessions */
#define IMST_PUSH_CONTACTS 16
/* the relay leg facing the user */
#define IMST_PUSH_LEG "user"

/* One push or retrieval session, in shm: the app data of its im_ua
 * dialog. */
typedef struct imst_push {
	int state; /* push_state_t of im_store_push.c */
	char user[IMST_URI_MAX];
	char key[IMST_KEY_MAX];
	imr_session_t relay;
	imr_leg_t leg;
	int pending; /* injected, outcome not reported yet */
	long long last_id; /* the last stored message read for it */
	int more;		   /* its last batch was full: more may follow */
	int stopped;	   /* the relay refused an injection: no more batches */
	int npicked; /* 0: every message alive; else only these tokens */
	char picked[IMST_PICK_MAX][IMST_TOKEN_LEN + 1];
} imst_push_t;

int imst_push_init(void);
void imst_push_destroy(void);

/* Pushes user's messages to the contacts the script found for msg ($ru,
 * $du and the branches of lookup("location")), to all at once (DM-3).
 * 1: the INVITE left; -1: error; -2: nothing stored; -3: a push to user
 * is under way already (D-29); -4: no contact. */
int imst_push(struct sip_msg *msg, const str *user);

/* A free session for user, or NULL (*busy set when user has one, D-29). */
imst_push_t *imst_push_reserve(const char *user, int *busy);
/* Frees a session that has no dialog (yet). */
void imst_push_release(imst_push_t *p);
/* Opens its endpoint session on a relay. 0, or -1 and e. */
int imst_push_open(imst_push_t *p, imr_err_t *e);
/* Its leg is negotiated: one SEND per message alive (the picked ones
 * only, when npicked). 1: nothing was sent, the caller ends it now. */
int imst_push_send(imst_push_t *p);
/* Asks for the BYE once, whoever sees the end first. */
void imst_push_end(imst_push_t *p, const char *why);
/* The ended hook of its dialog: relay session closed, slot freed. */
void imst_push_ended(imua_call_t *c, void *app, const char *reason);

/* The relay's events about our endpoint sessions. */
void imst_push_watch(
		int relay, const char *what, const char *session, const char *leg);
void imst_push_report(int relay, const imr_delivery_t *d);


/* Pushes under way (im_store.stats). */
int imst_push_active(void);

#endif
