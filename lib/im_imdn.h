/*
 * RFC 5438 instant message disposition notifications as the controlling
 * function and the deferred store meet them: the Disposition-Notification
 * header of a pager MESSAGE's CPIM wrapper (D-24, PM-1 step 9), the
 * message/imdn+xml documents recipients send back (PM-3, aggregated under
 * Ts2) and the ones the server writes itself: a failure IMDN for a group
 * recipient that answered with an error (PM-5), for a deferred message
 * deleted unread or expired (DM-7).
 *
 * Limits: documents over IM_IMDN_MAX_DOC bytes and any DOCTYPE are
 * refused (see im_xml.h); values are checked, not trusted: a status must
 * belong to its notification kind, message-id and datetime must be
 * present, text fields must not carry control characters.
 *
 * Memory: a parsed im_imdn_t owns malloc'd strings until im_imdn_free();
 * the writer takes the caller's strings and returns a malloc'd buffer the
 * caller free()s. Errors: -1 and a one-line reason in the caller's
 * buffer (IM_IMDN_ERR_LEN bytes are enough).
 */
#ifndef IM_IMDN_H
#define IM_IMDN_H

#include <stddef.h>

#define IM_IMDN_NS "urn:ietf:params:xml:ns:imdn"
#define IM_IMDN_TYPE "message/imdn+xml"
#define IM_IMDN_MAX_DOC 16384
#define IM_IMDN_ERR_LEN 128

/* Disposition-Notification tokens (RFC 5438 section 6.2), as a mask */
#define IM_DN_POSITIVE_DELIVERY 0x1u
#define IM_DN_NEGATIVE_DELIVERY 0x2u
#define IM_DN_PROCESSING 0x4u
#define IM_DN_DISPLAY 0x8u

/*
 * Parses a Disposition-Notification value ("positive-delivery,
 * negative-delivery, display"): tokens are case-insensitive, unknown ones
 * (extensions) are skipped. 0 and *mask, or -1 when an item is empty or
 * not a token.
 */
int im_imdn_disposition_parse(const char *v, size_t len, unsigned *mask);

typedef enum im_imdn_kind {
	IM_IMDN_KIND_NONE = 0,
	IM_IMDN_DELIVERY,	/* <delivery-notification> */
	IM_IMDN_DISPLAY,	/* <display-notification> */
	IM_IMDN_PROCESSING, /* <processing-notification> */
} im_imdn_kind_t;

typedef enum im_imdn_status {
	IM_IMDN_STATUS_NONE = 0,
	IM_IMDN_DELIVERED, /* delivery */
	IM_IMDN_FAILED,	   /* delivery */
	IM_IMDN_DISPLAYED, /* display */
	IM_IMDN_PROCESSED, /* processing */
	IM_IMDN_STORED,	   /* processing */
	IM_IMDN_FORBIDDEN, /* any kind */
	IM_IMDN_ERROR,	   /* any kind */
} im_imdn_status_t;

typedef struct im_imdn {
	char *message_id;			  /* of the message notified about */
	char *datetime;				  /* its CPIM DateTime, as written */
	char *recipient_uri;		  /* NULL: absent */
	char *original_recipient_uri; /* NULL: absent */
	char *subject;				  /* NULL: absent */
	im_imdn_kind_t kind;
	im_imdn_status_t status;
} im_imdn_t;

/* 0, or -1 with the reason in err; *imdn is filled on success only and
 * needs im_imdn_free. */
int im_imdn_parse(const char *doc, size_t len, im_imdn_t *imdn, char *err,
		size_t errlen);

void im_imdn_free(im_imdn_t *imdn);

/* Writes imdn (whose strings stay the caller's) as a message/imdn+xml
 * document into a malloc'd *out of *len bytes. 0, or -1 with a reason. */
int im_imdn_write(const im_imdn_t *imdn, char **out, size_t *len, char *err,
		size_t errlen);

/* "delivery-notification"..., "delivered"...; NULL for NONE */
const char *im_imdn_kind_name(im_imdn_kind_t k);
const char *im_imdn_status_name(im_imdn_status_t s);

#endif
