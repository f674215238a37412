/*
 * The SIP dialogs of a session's participants, each an im_ua single
 * dialog paired with a leg of the session's relay conference: the
 * originator's and a rejoiner's INVITE that we answer (UAS), the
 * invitations we send (UAC, CF-12, CF-13), and im_ua's hooks reporting
 * what becomes of them.
 */
#ifndef IM_CF_DIALOG_H
#define IM_CF_DIALOG_H

#include "core/parser/msg_parser.h"

#include "im_ua_load.h"
#include "im_relay_load.h"
#include "im_cf_table.h"

/* The hooks given to im_ua with every dialog (mod_init). */
void imcf_dialog_set_hooks(const imua_dlg_hooks_t *h);

/* The originator's factory INVITE msg (participant 0) with its SDP offer:
 * dialog opened (unanswered until the first invitee's 200), relay leg
 * accepted, our SDP answer kept. 1; 0 a retransmission; -1 refused and
 * answered. */
int imcf_dialog_originator(
		imcf_session_t *s, struct sip_msg *msg, const str *sdp);

/* The headers of our 200 to an INVITE that joins s (the originator's and
 * a rejoin's, CF-1, CF-5, TR-1029 6.2.3): P-Asserted-Identity = the
 * factory (D-5) and Server (D-10), into buf of size n. */
str imcf_dialog_answer_hdrs(const imcf_session_t *s, char *buf, size_t n);

/* A rejoin INVITE for participant idx (CF-5): dialog, relay leg and 200.
 * 0, or -1 (an error was answered). */
int imcf_dialog_accept(imcf_session_t *s, int idx, struct sip_msg *msg);

/* CF-5, CF-6: an answer "chosen from the offer": *answer (pkg, the
 * relay's, which accepts any wrapped type) gets the offer's
 * a=accept-wrapped-types when the offer has one; else it stays. */
void imcf_answer_wrapped_from_offer(str *answer, const str *offer);

/* The invitation of participant idx (CF-12): relay leg offered, INVITE
 * sent, with Replaces: <replaces> and Require: replaces when replaces is
 * not NULL or empty (App L, D-13). 0, or -1 when nothing was sent. */
int imcf_dialog_invite(imcf_session_t *s, int idx, const char *replaces);

/* A NOTIFY of the implicit subscription of a REFER received in the
 * dialog key (RFC 3515): message/sipfrag "SIP/2.0 <code> <reason>",
 * final (terminated) or not (active). 0 or -1. */
int imcf_dialog_notify_refer(
		const char *key, int code, int final, unsigned int refer_id);

/* Who the participant is for the relay's CPIM checks (MS-3): its alias
 * when anonymous (MS-2), and the product token (UP-3, MS-4) of msg, the
 * participant's last request or reply, when not NULL. Views into p and
 * msg. */
imr_party_t imcf_party_of(const imcf_participant_t *p, struct sip_msg *msg);

/* The SIP answer to a media failure: 488 for SDP the relay cannot take,
 * 503 when no relay answers, 500 for our own faults. */
int imcf_media_code(const imr_err_t *e);

str imcf_cstr(const char *s);

#endif
