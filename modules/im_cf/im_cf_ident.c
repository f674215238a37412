#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "im_cf_ident.h"

int imcf_id_make(
		unsigned long long seq, unsigned int rnd, char *out, size_t outlen)
{
	int n = snprintf(out, outlen, "%08x%llx", rnd, seq);

	return n < 0 || (size_t)n >= outlen ? -1 : n;
}

int imcf_ident_make(const imcf_ident_fmt_t *f, const char *id,
		const char *domain, char *out, size_t outlen)
{
	int n;

	if(f->node && f->node[0])
		n = snprintf(out, outlen, "sip:%s%s@%s;%s=%s", f->prefix, id, domain,
				f->node_param, f->node);
	else
		n = snprintf(out, outlen, "sip:%s%s@%s", f->prefix, id, domain);
	return n < 0 || (size_t)n >= outlen ? -1 : n;
}

static int id_char(char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z')
		   || (ch >= 'A' && ch <= 'Z') || ch == '-' || ch == '_' || ch == '.';
}

/* Copies [s, s+len) into out as a C string; 0 when it does not fit. */
static int take(const char *s, size_t len, char *out, size_t outlen)
{
	if(len >= outlen)
		return 0;
	memcpy(out, s, len);
	out[len] = '\0';
	return 1;
}

/* The value of URI parameter name in the params [p, end) (";a=b;c"). */
static int find_param(const char *p, const char *end, const char *name,
		char *out, size_t outlen)
{
	size_t nlen = strlen(name);

	while(p < end && *p == ';') {
		const char *s = ++p, *eq, *e;

		while(p < end && *p != ';')
			p++;
		e = p;
		eq = memchr(s, '=', (size_t)(e - s));
		if(eq && (size_t)(eq - s) == nlen && strncasecmp(s, name, nlen) == 0)
			return take(eq + 1, (size_t)(e - eq - 1), out, outlen);
	}
	return 1;
}

int imcf_ident_parse(const imcf_ident_fmt_t *f, const char *uri, size_t len,
		char *id, size_t idlen, char *node, size_t nodelen)
{
	const char *p = uri, *end = uri + len, *user, *at, *params;
	size_t plen = strlen(f->prefix);

	if(!idlen || !nodelen)
		return 0;
	node[0] = '\0';
	if(len > 4 && strncasecmp(p, "sip:", 4) == 0)
		p += 4;
	else if(len > 5 && strncasecmp(p, "sips:", 5) == 0)
		p += 5;
	else
		return 0;
	/* headers (?...) end the URI for us */
	for(const char *q = p; q < end; q++) {
		if(*q == '?') {
			end = q;
			break;
		}
	}
	at = memchr(p, '@', (size_t)(end - p));
	if(!at || (size_t)(at - p) <= plen || strncasecmp(p, f->prefix, plen))
		return 0;
	user = p + plen;
	for(const char *q = user; q < at; q++) {
		if(!id_char(*q))
			return 0;
	}
	if(!take(user, (size_t)(at - user), id, idlen))
		return 0;
	params = memchr(at, ';', (size_t)(end - at));
	if(params && f->node_param && f->node_param[0]
			&& !find_param(params, end, f->node_param, node, nodelen))
		return 0;
	return 1;
}

void imcf_leg_name(int idx, char *out, size_t len)
{
	snprintf(out, len, "p%d", idx);
}

int imcf_leg_index(const char *leg, int max)
{
	char *end;
	long i;

	if(!leg || leg[0] != 'p' || leg[1] < '0' || leg[1] > '9')
		return -1;
	i = strtol(leg + 1, &end, 10);
	return *end || i < 0 || i >= max ? -1 : (int)i;
}
