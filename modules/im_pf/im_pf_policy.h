/*
 * What the participating function's policy says, as one row set of
 * im_policy (operator '*' rows, then the user's own) decodes into. Kept
 * apart from the checks that read it and from the cache that holds the
 * operator's part, so that both depend on it and not on each other.
 */
#ifndef IM_PF_POLICY_H
#define IM_PF_POLICY_H

typedef struct impf_policy {
	int service_denied;			/* service = deny */
	char client_version[128];	/* client_version: a User-Agent must have it */
	char client_upgrade_url[256]; /* client_upgrade_url: for Error-Info */
	char pager_types[256];		/* pager_content_types, comma separated */
	char session_types[256];	/* session_accept_types, comma separated */
	long long max_size;			/* max_size in bytes, -1: none */
	int isb;  /* incoming session barring (IM session, file transfer) */
	int ipab; /* incoming personal alert barring (pager, Large Message) */
} impf_policy_t;

void impf_policy_defaults(impf_policy_t *p);
/* Row callback of impf_db_select: columns name, value into an
 * impf_policy_t (arg). */
int impf_policy_apply(char **vals, int ncols, void *arg);

#endif
