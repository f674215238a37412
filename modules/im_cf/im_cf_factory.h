/*
 * Requests the controlling function serves outside a dialog: the
 * INVITE to a Conference-factory URI that creates an ad-hoc or 1-1
 * session (CF-2), and the requests to a session identity (a rejoin
 * INVITE, CF-5).
 */
#ifndef IM_CF_FACTORY_H
#define IM_CF_FACTORY_H

#include "core/parser/msg_parser.h"
#include "core/sr_module.h"
#include "core/str.h"

/* Return codes of im_cf_handle() (README "Functions") */
/* clang-format off */
#define IMCF_HANDLED 0			/* served: the script stops */
#define IMCF_NOT_OURS (-1)		/* neither a factory nor a session identity,
								   or in a dialog (im_ua_dispatch's) */
#define IMCF_REFUSED (-2)		/* refused, an error was answered */
#define IMCF_OTHER_NODE (-3)	/* a session identity of another node */
/* clang-format on */

/* modparam("im_cf", "factory", "sip:conference-factory@home1.net"), once
 * per domain. */
int imcf_factory_param(modparam_t type, void *val);
int imcf_factory_count(void);

/* The factory URI msg's Request-URI names, 1 (into factory) or 0. */
int imcf_factory_match(struct sip_msg *msg, str *factory);

/* C-1: who sent msg, its P-Asserted-Identity, else its From (views into
 * msg). 0 or -1. */
int imcf_originator(struct sip_msg *msg, str *uri, str *display);

/* Creates a session from a factory INVITE: IMCF_HANDLED or IMCF_REFUSED
 * (an error was answered). */
int imcf_factory_invite(struct sip_msg *msg, const str *factory);

/* A request for session id, out of any dialog: IMCF_HANDLED or
 * IMCF_REFUSED. */
int imcf_identity_request(struct sip_msg *msg, const char *id);

#endif
