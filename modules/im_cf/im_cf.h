/*
 * What the im_cf files share: the APIs it binds and its parameters.
 */
#ifndef IM_CF_H
#define IM_CF_H

#include "core/str.h"

#include "im_ua_load.h"
#include "im_relay_load.h"
#include "im_cf_ident.h"

extern imua_api_t imcf_ua;
extern imr_api_t imcf_relay;

/* parameters (README "Parameters") */
extern int imcf_max_participants; /* ad-hoc maximum, originator included */
extern int imcf_max_duration;	  /* seconds, 0: unlimited (CF-19 e) */
extern int imcf_min_remaining;	  /* CF-19 d: release at this many or fewer */
extern int imcf_allow_anonymity;  /* MS-2, CF-2 step 3 */
extern int imcf_private_messages; /* MS-4 for ad-hoc sessions */
extern int imcf_session_expires;  /* asked on our INVITEs (CF-12) */
extern str imcf_outbound_proxy;	  /* next hop of our INVITEs */
extern str imcf_contact_host;	  /* host[:port] of our Contact */
extern imcf_ident_fmt_t imcf_ident_fmt;

#define IMCF_FEATURE_TAGS ";isfocus;+g.oma.sip-im"
#define IMCF_SERVER "IM-serv/OMA1.0" /* D-10 */
/* our relay conferences are "cf-<session id>": apart from im_pf's bridges */
#define IMCF_RELAY_PREFIX "cf-"

#endif
