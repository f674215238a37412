/*
 * Who is at the other end of a TLS connection, for peers trusted by their
 * certificate (im_peer.trust = tls): read through the tls module's
 * pseudo-variables, so im_pf needs the module only when such a peer is
 * used. A peer is recognised when its certificate verified against our
 * CA list ($tls_peer_verified) and names the peer's domain as subject CN
 * or as DNS subjectAltName ($tls_peer_subject_cn, $tls_peer_san_hostname:
 * the first DNS name of the certificate).
 */
#ifndef IM_PF_TLS_H
#define IM_PF_TLS_H

#include "core/parser/msg_parser.h"

/* Looks the pseudo-variables up; mod_init. 1: the tls module is loaded,
 * 0: it is not (no request is then ever a TLS peer's). */
int impf_tls_init(void);

/* The names a verified client certificate gives (empty when absent). */
typedef struct impf_tls_id {
	char cn[128];
	char san[128];
} impf_tls_id_t;

/* 1: msg came over TLS with a verified certificate, its names in id;
 * 0: not over TLS, no certificate, or one that did not verify. */
int impf_tls_identity(struct sip_msg *msg, impf_tls_id_t *id);

/* Whether id names domain (any case). */
int impf_tls_names(const impf_tls_id_t *id, const char *domain);

#endif
