/*
 * How the participating function refuses a request: the final response's
 * code, reason phrase and headers (Warning in the D-34 form, Error-Info,
 * Accept, ...), written by whichever check refuses and sent by the
 * caller (im_pf_flow.c, im_pf_session.c, im_pf_publish.c).
 */
#ifndef IM_PF_REFUSAL_H
#define IM_PF_REFUSAL_H

/* A refusal to send: code, reason and headers ending in CRLF. */
typedef struct impf_refusal {
	int code;
	char reason[64];
	char hdrs[512];
} impf_refusal_t;

/* Sets code and reason, and Warning: 399 <agent> "<warn_code> <text>"
 * when warn_code is not 0 (OMA's codes, D-34). */
void impf_refuse(impf_refusal_t *r, int code, const char *reason,
		int warn_code, const char *warn_text);
/* Appends Warning: 399 <agent> "<text>" (D-34) to r's headers. */
void impf_refusal_warning(impf_refusal_t *r, const char *text);
/* Appends a header, fmt with one %s for v and its CRLF. */
void impf_refusal_header(impf_refusal_t *r, const char *fmt, const char *v);

#endif
