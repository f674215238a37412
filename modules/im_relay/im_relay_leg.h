/*
 * Per-leg primitives of the media API, shared by bridges (im_relay_media.c)
 * and conference/endpoint sessions (im_relay_session.c): what one party's
 * SDP means for its relay leg, the leg.add/leg.update exchange, and the
 * SDP the party sees with the relay in the MSRP media's place.
 *
 * TCP direction (RFC 4975 section 8.2, RFC 6135, D-19): without a=setup
 * the offerer connects; with it, the answerer's a=setup says who does.
 * The relay answers an offerer passive unless it asked us to connect; to
 * a party we offer to, it offers actpass (or nothing) and takes whatever
 * role the answer leaves it.
 */
#ifndef IM_RELAY_LEG_H
#define IM_RELAY_LEG_H

#include <jansson.h>

#include "im_relay_load.h"
#include "im_sdp.h"

void imr_fail(imr_err_t *e, int code, const char *fmt, const char *arg);

/* A party's SDP with usable MSRP media, else 488 with the Warning text. */
int imr_sdp_parse(const str *sdp, im_sdp_msrp_t *m, imr_err_t *e);

/* A fresh side: our o= session id. */
void imr_side_init(imr_side_t *sd);

/* The party offered m: its side learns how it connects; returns the
 * leg.add/leg.update parameters (new reference) for its leg. */
json_t *imr_leg_offered(imr_side_t *sd, const im_sdp_msrp_t *m,
		const imr_party_t *party);

/* We offer to the party: its leg waits passive for the answer. */
json_t *imr_leg_waiting(imr_side_t *sd, int tls, int ipv6,
		const imr_party_t *party);

/* The party answered our offer with m: NULL and 488 when the answer
 * changed the transport, else the leg.update parameters. */
json_t *imr_leg_answered(imr_side_t *sd, const im_sdp_msrp_t *m,
		const imr_party_t *party, imr_err_t *e);

/* leg.add (first time) or leg.update of leg `leg` of session on relay;
 * params (consumed; NULL when jansson refused a value of the SDP: 488)
 * gets session and id; the relay's local path lands in sd. */
int imr_leg_set(int relay, const char *session, const char *leg,
		imr_side_t *sd, json_t *params, imr_err_t *e);

/* The relay's leg as the session.create/leg.add result describes it. */
int imr_leg_take(imr_side_t *sd, json_t *leg, imr_err_t *e);

/* a=setup to write towards the party of sd in an answer to its offer, or
 * in a later offer, once the roles are known. */
im_sdp_setup_t imr_side_setup(const imr_side_t *sd);

/* sdp (parsed into m) written again for the party of sd, the relay in
 * the MSRP media's place; *out pkg. */
int imr_sdp_for_side(imr_side_t *sd, const str *sdp, const im_sdp_msrp_t *m,
		im_sdp_setup_t setup, int cema, str *out, imr_err_t *e);

#endif
