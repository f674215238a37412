/*
 * Sessions and legs, as the control channel creates them (no I/O here).
 *
 * A session is a bridge (two legs: the participating function's B2BUA), a
 * conference (N legs: the controlling function's MSRP switch) or an
 * endpoint (legs the relay terminates itself: deferred store and push).
 * Each leg owns a local MSRP path with an unguessable session-id; frames
 * are matched to legs by that session-id (RFC 4975 sessmatch).
 */
#ifndef RELAY_SESSION_H
#define RELAY_SESSION_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <uthash.h>

#include "fingerprint.h"
#include "im_addr.h"
#include "msrp_hdr.h"

#define SESSION_ID_MAX 128
#define LEG_ID_MAX 128
#define SID_LEN 24
#define LOCAL_PATH_MAX 256
#define REMOTE_PATH_MAX 2048
#define IDENTITY_MAX 256
#define VERSION_MAX 64
#define ACCEPT_TYPES_MAX 512
/* a session's owner (owners.h): its name and boot id */
#define OWNER_NAME_MAX 128
#define OWNER_BOOT_ID_MAX 64

typedef enum session_type {
	SESSION_BRIDGE = 0,
	SESSION_CONFERENCE,
	SESSION_ENDPOINT,
} session_type_t;

typedef enum leg_state {
	LEG_WAITING = 0, /* no connection yet (passive, or remote path unknown) */
	LEG_CONNECTING,	 /* active: TCP/TLS connect in progress */
	LEG_CONNECTED,
	LEG_CLOSED, /* its connection ended; data for it is refused */
} leg_state_t;

struct mconn;
struct inmsg;
struct txn;
struct stored_msg;
struct push_msg;
struct session;

typedef struct leg {
	char id[LEG_ID_MAX];
	struct session *session;
	char sid[SID_LEN + 1];
	char local_path[LOCAL_PATH_MAX];
	msrp_uri_t local_uri; /* views into local_path */

	char remote_path[REMOTE_PATH_MAX];
	msrp_uri_t remote[MSRP_PATH_MAX]; /* views into remote_path */
	int nremote;

	int active;	 /* the relay opens the connection (a=setup:active) */
	int secure;	 /* msrps */
	int ipv6;	 /* local path on an IPv6 listener */
	int cema;	 /* connect to cema_addr instead of the path (RFC 6714) */
	im_addr_t cema_addr;
	char accept_types[ACCEPT_TYPES_MAX];
	uint64_t max_size; /* a=max-size of the peer, 0: none */
	size_t max_chunk;  /* largest chunk body sent on this leg */
	/* msrps: the peer's certificate must have this digest (SDP
	 * a=fingerprint); empty: any certificate */
	char fp_alg[FINGERPRINT_ALG_MAX];
	char fp_hex[FINGERPRINT_MAX];

	/* conference participant */
	char identity[IDENTITY_MAX]; /* URI the CPIM From must carry */
	char display[IDENTITY_MAX];
	char version[VERSION_MAX]; /* peer's IM-.../OMA1.0 token, or empty */

	leg_state_t state;
	struct mconn *conn;
	void *pending; /* transport layer: output held until connected */
	int bound; /* a frame from the peer (or our bind SEND) set the conn */

	struct inmsg *inmsgs;		  /* messages arriving on this leg */
	struct txn *txns;			  /* our requests awaiting a response */
	struct stored_msg *received; /* endpoint: complete messages kept */
	struct push_msg *push_head, *push_tail; /* messages to send */

	uint64_t frames_in, frames_out, bytes_in, bytes_out;
	time_t created;

	UT_hash_handle hh_sid; /* registry by sid */
	struct leg *next;	   /* in its session */
} leg_t;

typedef struct session {
	char id[SESSION_ID_MAX];
	session_type_t type;
	char identity[IDENTITY_MAX]; /* conference: the session identity */
	int private_messages;		 /* conference: allowed (D-21) */
	int allow_non_cpim;			 /* conference: D-18 exception */
	unsigned idle_timeout_s;	 /* 0: never reported */
	/* the Kamailio that created it and its boot id (owners.c); empty:
	 * nobody's, never released for a lease */
	char owner[OWNER_NAME_MAX];
	char owner_boot_id[OWNER_BOOT_ID_MAX];
	time_t last_activity;
	int idle_reported;
	leg_t *legs;
	int nlegs;
	time_t created;
	UT_hash_handle hh;
} session_t;

typedef struct leg_params {
	const char *remote_path; /* NULL: unchanged */
	int active;				 /* -1: unchanged */
	int secure;
	int ipv6;
	const char *cema_addr; /* "tcp:ip:port" */
	const char *accept_types;
	int64_t max_size; /* -1: unchanged */
	int64_t max_chunk;
	const char *identity;
	const char *display;
	const char *version;
	const char *fingerprint; /* "sha-256 AB:..."; "": none */
} leg_params_t;

void leg_params_init(leg_params_t *p);

session_t *session_find(const char *id);
/* Creates, or returns the existing session of that id when the type
 * matches (idempotent). NULL with err otherwise. */
session_t *session_create(const char *id, session_type_t type, char *err,
		size_t errlen);
void session_destroy(session_t *s, const char *why);
session_t *sessions_all(void);
size_t session_count(void);

leg_t *leg_find(session_t *s, const char *id);
leg_t *leg_by_sid(const char *sid, size_t len);
/* Creates (or, same id, updates) a leg; its local path is allocated once. */
leg_t *leg_add(session_t *s, const char *id, const leg_params_t *p,
		int *created, char *err, size_t errlen);
int leg_update(leg_t *l, const leg_params_t *p, char *err, size_t errlen);
void leg_remove(leg_t *l, const char *why);
size_t leg_count(void);

const char *session_type_name(session_type_t t);
int session_type_parse(const char *name);
const char *leg_state_name(leg_state_t s);

/* Which local listeners exist, to build local paths: set at start-up. */
typedef struct local_endpoint {
	char host[128]; /* as written in paths */
	unsigned port;
	int secure;
	int ipv6;
} local_endpoint_t;

void session_set_local_endpoints(const local_endpoint_t *eps, int n);

/* Whether frames and messages may still go to the leg (not NULL, not
 * closed). */
int leg_usable(const leg_t *leg);
/* Usable and its peer's path known (the SDP answer came): a frame for it
 * can be addressed. Before that it is no destination: what was written
 * for it would carry an empty To-Path, which its peer refuses. */
int leg_negotiated(const leg_t *leg);

/* What the layer above (the engine) gives new legs and must hear of, so
 * that this file calls nothing above it. */
typedef struct leg_hooks {
	size_t default_max_chunk; /* a new leg's max_chunk */
	/* before a leg is freed: its frames, transactions and messages go */
	void (*removing)(leg_t *leg, const char *why, void *arg);
	void *arg;
} leg_hooks_t;

void session_set_leg_hooks(const leg_hooks_t *hooks);

#endif
