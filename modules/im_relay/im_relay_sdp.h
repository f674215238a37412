/*
 * SDP the relay's leg writes itself, where no other party's SDP is there
 * to be rewritten (conference and endpoint sessions): our offer to a
 * party, and our answer to a party's offer.
 */
#ifndef IM_RELAY_SDP_H
#define IM_RELAY_SDP_H

#include "im_relay_load.h"
#include "im_sdp.h"

typedef struct imr_sdp_build {
	imr_side_t *sd;			 /* the leg: path, fingerprint, o= ids */
	im_sdp_setup_t setup;	 /* a=setup to write; NONE: none */
	int cema;				 /* a=msrp-cema */
	const char *accept_types;
	const char *direction;	 /* a=sendonly ...; NULL: none (sendrecv) */
	/* answering: the offer, whose other m= lines are refused (port 0,
	 * RFC 3264 section 6: as many m= lines as offered) */
	const str *offer;
	const im_sdp_msrp_t *offered;
	/* offering: an SDP whose MSRP media's own a= lines ours repeats
	 * (im_sdp_msrp_attrs; LM-4, the sender's offer); NULL: none */
	const str *carry;
	const im_sdp_msrp_t *carried;
} imr_sdp_build_t;

/* *out pkg, CRLF line ends. 0, or -1 with e. */
int imr_sdp_build(const imr_sdp_build_t *b, str *out, imr_err_t *e);

/* The direction that answers an offered one (RFC 3264 section 6.1), or
 * NULL for sendrecv. */
const char *imr_sdp_answer_direction(im_span_t offered);

#endif
