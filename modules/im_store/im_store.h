/*
 * im_store: deferred messages of the OMA SIMPLE IM server (OMA TS 12,
 * REQUIREMENTS DM-*): what the files of the module share.
 */
#ifndef IM_STORE_H
#define IM_STORE_H

#include "core/str.h"
#include "modules/tm/tm_load.h"

#include "im_pf_load.h"
#include "im_relay_load.h"
#include "im_ua_load.h"

#define IMST_SERVER "IM-serv/OMA1.0"
/* a stored message's unique string: the MSRP Message-ID of its push SEND
 * (RFC 4975 ident, at most 32 characters) and the user part of its OMA
 * Message-ID "sip:<token>@<host>" (12.2.2.3 item 4) */
#define IMST_TOKEN_LEN 24
#define IMST_URI_MAX 256
#define IMST_ID_MAX (IMST_TOKEN_LEN + IMST_URI_MAX + 8)

extern imua_api_t imst_ua;
extern imr_api_t imst_relay;
extern impf_api_t imst_pf;
extern struct tm_binds imst_tm;

extern str imst_db_url;
extern str imst_host; /* of our Message-IDs; empty: the recipient's */
extern str imst_warn_agent;	  /* D-34 */
extern int imst_expires_default; /* s, for a MESSAGE without Expires */
extern int imst_expires_max;	  /* s, the most a MESSAGE may ask */
extern int imst_max_size;		  /* bytes of a stored request */
extern int imst_large_max_size;	  /* bytes of a Large Message (a=max-size) */
extern int imst_quota_messages;	  /* per user, 0: no limit */
extern int imst_quota_bytes;	  /* per user, 0: no limit */
extern int imst_session_expires;  /* s, of the push INVITE */
extern int imst_expire_interval;  /* s between expiry runs */

#endif
