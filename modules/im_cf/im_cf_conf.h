/*
 * The state of one conference (an ad-hoc or 1-1 session of the
 * controlling function, OMA TS 7.2) and how it changes on events:
 * pure C, no SIP message, no allocation, so that the module keeps it in
 * one shm block and the unit tests drive it from golden case files.
 *
 * An event (an invitee answered, a participant sent BYE, the maximum
 * duration passed ...) changes the participants and yields the actions
 * the module then carries out with im_ua and im_relay: answer the inviter
 * (CF-1, CF-2), INVITE, CANCEL or BYE a participant (CF-12, CF-15,
 * CF-23), release the whole session (CF-16, CF-19). Every change that a
 * conference subscriber would see bumps the version (CF-11, CF-21).
 */
#ifndef IM_CF_CONF_H
#define IM_CF_CONF_H

#include <stddef.h>
#include <time.h>

#define IMCF_MAX_PARTICIPANTS 128 /* the most a session may have room for */
#define IMCF_URI_MAX 256
#define IMCF_DISPLAY_MAX 96
#define IMCF_KEY_MAX 64	   /* im_ua call key */
#define IMCF_LEG_ID_MAX 32 /* relay leg id (IMR_LEG_ID_MAX) */
#define IMCF_ID_MAX 40	   /* session id (the user part's variable) */
/* a release gives up to three per participant (BYE or CANCEL, its leg
 * removed, left or its referrer's NOTIFY), after the event's own few */
#define IMCF_MAX_ACTIONS (3 * IMCF_MAX_PARTICIPANTS + 8)

typedef enum imcf_type
{
	IMCF_ADHOC = 0, /* factory INVITE with several entries */
	IMCF_ONE_ONE,	/* factory INVITE with one entry (TR-1029 6.2.1) */
} imcf_type_t;

typedef enum imcf_pstate
{
	IMCF_P_INVITING = 0, /* our INVITE is out / its INVITE is unanswered */
	IMCF_P_RINGING,		 /* a provisional response came */
	IMCF_P_CONNECTED,	 /* the dialog is confirmed */
	IMCF_P_LEAVING,		 /* our BYE or CANCEL is out */
	IMCF_P_GONE,		 /* no dialog left */
} imcf_pstate_t;

typedef enum imcf_join
{
	IMCF_DIALED_IN = 0, /* its INVITE reached us (inviter, rejoin) */
	IMCF_DIALED_OUT,	/* we invited it */
} imcf_join_t;

/* RFC 4575 disconnection-method values, plus none */
typedef enum imcf_disc
{
	IMCF_DISC_NONE = 0,
	IMCF_DISC_DEPARTED, /* it sent BYE */
	IMCF_DISC_BOOTED,	/* removed (REFER method=BYE, RPC, release) */
	IMCF_DISC_FAILED,	/* its invitation failed */
	IMCF_DISC_BUSY,		/* its invitation failed with 486/600 */
} imcf_disc_t;

typedef struct imcf_participant
{
	char uri[IMCF_URI_MAX];
	char display[IMCF_DISPLAY_MAX];
	/* MS-2: the alias shown to others instead of uri/display; empty when
	 * the participant is not anonymous */
	char alias_uri[IMCF_URI_MAX];
	char alias_display[IMCF_DISPLAY_MAX];
	char leg_key[IMCF_KEY_MAX];		 /* its im_ua dialog */
	char relay_leg[IMCF_LEG_ID_MAX]; /* its leg of the relay conference */
	imcf_pstate_t state;
	imcf_join_t joining;
	imcf_disc_t disconnection;
	int fail_code; /* final response of a failed invitation */
	int originator;
	/* CF-7: the participant whose REFER added this one (-1: the setup
	 * list), and whether it waits for NOTIFYs of the outcome */
	int invited_by;
	int notify_referrer;
	unsigned int refer_id; /* the id= of the Event of those NOTIFYs */
	/* CF-7 step 2, MS-2: that referrer asked for privacy in its REFER:
	 * this invitation names it by no address (anonymous, Privacy: id) */
	int inviter_hidden;
	/* D-22: its last SDP takes multipart/mixed: the alias notice goes
	 * wrapped in one */
	int takes_multipart;
} imcf_participant_t;

typedef struct imcf_conf
{
	char id[IMCF_ID_MAX];
	char identity[IMCF_URI_MAX]; /* the IM Session Identity */
	imcf_type_t type;
	int max_participants;
	/* CF-19 (d): release when this many or fewer are left (0 or 1) */
	int min_remaining;
	time_t start;
	int max_duration;		/* seconds, 0: unlimited (CF-19 e) */
	unsigned int version;	/* conference-info version (CF-11, CF-21) */
	int inviter_answered;	/* 200 sent to the originator (CF-2) */
	int inviter_refused;	/* a final error sent to the originator */
	int released;			/* release ordered (CF-16) */
	unsigned int alias_seq; /* MS-2: numbers anonymous URIs */
	int destroyed;			/* DESTROY was given */
	int n;	 /* participants so far (slots are never reused by others) */
	int cap; /* room in p[] */
	imcf_participant_t p[];
} imcf_conf_t;

typedef enum imcf_event_type
{
	IMCF_EV_CREATE = 0,	 /* the originator's factory INVITE: uri, display */
	IMCF_EV_INVITE,		 /* invite uri (setup list, REFER add) */
	IMCF_EV_PROVISIONAL, /* idx got a 18x */
	IMCF_EV_ANSWERED,	 /* idx answered 2xx */
	IMCF_EV_FAILED,		 /* idx's invitation failed with code */
	IMCF_EV_BYE,		 /* idx sent BYE (or its dialog ended by itself) */
	IMCF_EV_REMOVE,		 /* remove idx (REFER method=BYE, RPC) */
	IMCF_EV_ENDED,		 /* idx's dialog is over, whatever the path */
	IMCF_EV_REJOIN,		 /* INVITE to the identity from uri (CF-5) */
	IMCF_EV_TICK,		 /* the clock is now `now` (CF-19 e) */
	IMCF_EV_TERMINATE,	 /* the operator ends the session */
} imcf_event_type_t;

typedef struct imcf_event
{
	imcf_event_type_t type;
	int idx;
	int code;
	const char *uri;
	const char *display;
	int anonymous; /* CREATE, INVITE, REJOIN: the party asked for privacy */
	int notify;	   /* INVITE by REFER: the referrer wants NOTIFYs (CF-7) */
	unsigned int refer_id; /* ...and the CSeq of that REFER (RFC 3515 2.4.6) */
	int hide_inviter; /* INVITE by REFER: the referrer asked for privacy */
	time_t now;
} imcf_event_t;

typedef enum imcf_action_type
{
	IMCF_A_INVITE = 0,		/* send idx its INVITE (CF-12), leg_offer */
	IMCF_A_COMPLETE_LEG,	/* leg_complete with idx's answer */
	IMCF_A_ACCEPT,			/* dialed-in idx: leg_accept + 200 (CF-5) */
	IMCF_A_ANSWER_INVITER,	/* 200 to the originator at idx (CF-2) */
	IMCF_A_REFUSE_INVITER,	/* final `code` to the originator at idx */
	IMCF_A_REFUSE,			/* refuse the request of the event: code, warn */
	IMCF_A_CANCEL,			/* CANCEL idx's pending INVITE (CF-15) */
	IMCF_A_BYE,				/* BYE idx (CF-23) */
	IMCF_A_REMOVE_LEG,		/* release idx's relay leg */
	IMCF_A_JOINED,			/* idx joined: event route, NOTIFY */
	IMCF_A_LEFT,			/* idx left: event route, NOTIFY */
	IMCF_A_RELEASE,			/* the session is released (once) */
	IMCF_A_DESTROY,			/* nothing is left: close and free it */
	IMCF_A_NOTIFY_REFERRER, /* idx's invitation ended with code: NOTIFY
							   its referrer (CF-7 step 10) */
} imcf_action_type_t;

typedef struct imcf_action
{
	imcf_action_type_t type;
	int idx;
	int code;
	int warn; /* Warning code for REFUSE (0: none) */
} imcf_action_t;

typedef struct imcf_actions
{
	int n;
	imcf_action_t a[IMCF_MAX_ACTIONS];
} imcf_actions_t;

/* The bytes a conference with room for cap participants takes: the
 * caller allocates it (shm in the module), with cap = max_participants. */
size_t imcf_conf_size(int cap);

/* A new conference with no participant yet, in imcf_conf_size(cap) bytes
 * at c; max_participants of 0 or above cap means cap. */
void imcf_conf_init(imcf_conf_t *c, int cap, const char *id,
		const char *identity, imcf_type_t type, int max_participants,
		int min_remaining, int max_duration, time_t now);

/* Applies ev; out gets the actions in the order to carry them out.
 * 0, or -1 for an event that does not fit (unknown idx, full session):
 * out then holds the REFUSE to send, if any. */
int imcf_conf_apply(
		imcf_conf_t *c, const imcf_event_t *ev, imcf_actions_t *out);

/* The participant with uri (or its alias), -1 when none. */
int imcf_conf_find(const imcf_conf_t *c, const char *uri);
/* The participant whose dialog is key, -1 when none. */
int imcf_conf_find_key(const imcf_conf_t *c, const char *key);
/* Participants with a dialog that is not ending (pending or connected). */
int imcf_conf_active(const imcf_conf_t *c);

const char *imcf_pstate_name(imcf_pstate_t s);
const char *imcf_join_name(imcf_join_t j);
const char *imcf_disc_name(imcf_disc_t d);
const char *imcf_action_name(imcf_action_type_t a);
const char *imcf_type_name(imcf_type_t t);

#endif
