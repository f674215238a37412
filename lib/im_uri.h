/*
 * Identity comparisons the IM server makes on URIs taken from messages
 * (CPIM From/To against a participant's identity, MS-3/MS-4), and the OMA
 * version token of App F (D-10).
 */
#ifndef IM_URI_H
#define IM_URI_H

#include "im_span.h"

/* The URI of a "Display <uri>" or "<uri>" value, or the value itself. */
im_span_t im_nameaddr_uri(im_span_t v);

/*
 * Same identity: scheme and host compared without case, the user part
 * exactly, the port as written, URI parameters and headers ignored
 * (sip:Bob@HOME1.net;user=phone is sip:Bob@home1.net).
 */
int im_uri_same(im_span_t a, im_span_t b);

/* D-10: a product token IM-<x>/OMA1.0 (any case, spaces around '/',
 * among other tokens) marks an OMA IM node. */
int im_has_oma_im_token(const char *s);

#endif
