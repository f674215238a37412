/*
 * The IM service settings a user publishes (OMA IM TS 6.1.1.5, App E;
 * SS-1): an RFC 4354 poc-settings document
 * (application/poc-settings+xml) with the OMA IM extension
 * urn:oma:xml:im:service-settings.
 *
 *   <poc-settings xmlns="urn:oma:params:xml:ns:poc:poc-settings"
 *                 xmlns:ss="urn:oma:xml:im:service-settings">
 *     <entity id="...">
 *       <isb-settings><incoming-session-barring active="true"/>
 *       <ipab-settings><incoming-personal-alert-barring active="false"/>
 *       <ss:deferred-settings><ss:offline-delivery active="true"/>
 *       <ss:vis-settings><ss:vis-status active="false"/>
 *       <ss:hist-settings>
 *         <ss:hist-activation active="true"><ss:session-mode/>
 *         <ss:hist-activation active="false"><ss:pager-large-mode/>
 *
 * A document states the whole of the user's settings (a publication
 * replaces the previous one, RFC 3903): what it leaves out takes the
 * default of App E (barring off, offline delivery off, visible, no
 * history). Settings elements whose service-id names another enabler
 * (not "IM") are for that enabler and skipped; elements of other
 * namespaces, and PoC-only elements (am-settings, sss-settings), are
 * ignored. Errors: not well-formed, a DOCTYPE, over IM_SETTINGS_MAX_DOC
 * bytes, a root that is not poc-settings, an `active` attribute missing
 * or not an xs:boolean on a setting we read.
 *
 * Pure C over libxml2 (lib/im_xml.c's hardened parse); no allocation
 * survives the call.
 */
#ifndef IM_SETTINGS_H
#define IM_SETTINGS_H

#include <stddef.h>

#define IM_POC_SETTINGS_NS "urn:oma:params:xml:ns:poc:poc-settings"
#define IM_SERVICE_SETTINGS_NS "urn:oma:xml:im:service-settings"
#define IM_SETTINGS_CONTENT_TYPE "application/poc-settings+xml"
#define IM_SETTINGS_SERVICE_ID "IM"

#define IM_SETTINGS_MAX_DOC 16384
#define IM_SETTINGS_ERR_LEN 160

typedef struct im_settings {
	int isb;			  /* incoming session barring (sessions, files) */
	int ipab;			  /* incoming personal alert barring (pager, LM) */
	int offline_delivery; /* push deferred messages when online */
	int vis_status;		  /* visible to other users */
	int hist_session;	  /* store session mode conversations */
	int hist_pager;		  /* store pager and Large Message mode */
} im_settings_t;

/* The defaults of App E (SS-1): everything off but visibility. */
void im_settings_defaults(im_settings_t *s);

/*
 * Parses len bytes of a poc-settings document into *s (defaults first).
 * 0, or -1 with a one-line reason in err (no control character, no
 * double quote: fit for a reason phrase or a Warning) and *s holding the
 * defaults.
 */
int im_settings_parse(const char *doc, size_t len, im_settings_t *s, char *err,
		size_t errlen);

#endif
