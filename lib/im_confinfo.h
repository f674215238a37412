/*
 * The RFC 4575 conference-info document of the OMA conference event
 * package (CF-11, CF-21, D-17, App M): what the controlling function
 * puts in a NOTIFY to a conference subscriber.
 *
 * One document per subscriber, since App M marks that subscriber's own
 * <user> with yourown="true" (an unqualified attribute of <user> only).
 * Per D-17, each <user> holds an optional <display-text> and exactly one
 * <endpoint> with a <status>; <conference-state>/<user-count> is never
 * written. A user with an alias (chat alias or anonymous identity, MS-2,
 * CF-21) is written under the alias only: its real identity and endpoint
 * never appear in the document.
 *
 * Input is plain C data the caller keeps; nothing is retained. Strings
 * must be UTF-8 text XML can carry (no control characters) and entities
 * non-empty, else the writer fails with a reason. Output is a malloc'd,
 * NUL-terminated buffer the caller free()s.
 */
#ifndef IM_CONFINFO_H
#define IM_CONFINFO_H

#include <stddef.h>

#define IM_CONFINFO_NS "urn:ietf:params:xml:ns:conference-info"
#define IM_CONFINFO_ERR_LEN 128

/* the state attribute of <conference-info> and of <user> */
typedef enum im_ci_state {
	IM_CI_FULL = 0,
	IM_CI_PARTIAL,
	IM_CI_DELETED, /* <user> only: the user left the conference */
} im_ci_state_t;

/* RFC 4575 endpoint-status-type; CF-21 uses connected and disconnected */
typedef enum im_ci_status {
	IM_CI_STATUS_NONE = 0, /* not written (a deleted user has none) */
	IM_CI_CONNECTED,
	IM_CI_DISCONNECTED,
	IM_CI_ON_HOLD,
	IM_CI_MUTED_VIA_FOCUS,
	IM_CI_PENDING,
	IM_CI_ALERTING,
	IM_CI_DIALING_IN,
	IM_CI_DIALING_OUT,
	IM_CI_DISCONNECTING,
} im_ci_status_t;

typedef enum im_ci_joining {
	IM_CI_JOIN_NONE = 0,
	IM_CI_DIALED_IN,
	IM_CI_DIALED_OUT,
	IM_CI_FOCUS_OWNER,
} im_ci_joining_t;

typedef enum im_ci_disconnection {
	IM_CI_DISC_NONE = 0,
	IM_CI_DEPARTED,
	IM_CI_BOOTED,
	IM_CI_FAILED,
	IM_CI_BUSY,
} im_ci_disconnection_t;

typedef struct im_ci_user {
	const char *entity; /* the participant's identity (CF-21) */
	/* when set, written instead of entity and endpoint: the alias is all
	 * the other participants may learn (MS-2) */
	const char *alias;
	const char *display_text; /* NULL: none */
	const char *endpoint;	  /* endpoint entity; NULL: the user's */
	im_ci_state_t state;	  /* written in partial documents */
	int yourown;			  /* the subscriber's own entry (App M) */
	im_ci_status_t status;
	im_ci_joining_t joining;
	im_ci_disconnection_t disconnection;
} im_ci_user_t;

typedef struct im_confinfo {
	const char *entity;	 /* IM Session Identity or Group Identity */
	im_ci_state_t state; /* IM_CI_FULL or IM_CI_PARTIAL */
	unsigned version;	 /* 1 for the first NOTIFY, +1 each */
	const char *subject; /* NULL: none */
	unsigned max_users;	 /* <maximum-user-count>; 0: none */
	const im_ci_user_t *users;
	size_t n_users;
} im_confinfo_t;

/*
 * Writes the document for ci. 0 with *out (malloc'd) and *len set, or
 * -1 with a reason in err (errlen bytes): invalid input or no memory.
 */
int im_confinfo_write(const im_confinfo_t *ci, char **out, size_t *len,
		char *err, size_t errlen);

/* The RFC 4575 token of each value ("connected", "dialed-in"...), NULL
 * for the NONE values and out-of-range ones. */
const char *im_ci_state_name(im_ci_state_t s);
const char *im_ci_status_name(im_ci_status_t s);
const char *im_ci_joining_name(im_ci_joining_t j);
const char *im_ci_disconnection_name(im_ci_disconnection_t d);

#endif
