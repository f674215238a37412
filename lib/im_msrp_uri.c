#include "im_msrp_uri.h"

#include <string.h>
#include <strings.h>

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_alnum(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_hex(char c)
{
	return im_hex_value(c) >= 0;
}

static int is_unreserved(char c)
{
	return is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

/* RFC 3986 reg-name and IPv4address: unreserved, pct-encoded, sub-delims
 * but ';', which ends the authority of an MSRP URI */
static int is_host_char(char c)
{
	return is_unreserved(c) || c == '%' || c == '!' || c == '$' || c == '&'
		   || c == '\'' || c == '(' || c == ')' || c == '*' || c == '+'
		   || c == ',' || c == '=';
}

static int is_ipv6_char(char c)
{
	return is_hex(c) || c == ':' || c == '.';
}

static int is_session_id_char(char c)
{
	return is_unreserved(c) || c == '+' || c == '=' || c == '/';
}

/* No URI holds SP, HTAB or another control character (RFC 3986
 * section 2); refusing them in userinfo and parameters also keeps a URI
 * one word wherever a path is split at blanks. */
static int is_visible(char c)
{
	return (unsigned char)c > 0x20 && c != 0x7f;
}

static int is_param_char(char c)
{
	return is_visible(c) && c != ';';
}

/* Takes the longest run of ok characters from *i on; the run's span. */
static im_span_t take_run(const char *p, size_t n, size_t *i, int (*ok)(char))
{
	im_span_t s = {p + *i, 0};

	while(*i < n && ok(p[*i]))
		(*i)++;
	s.len = (size_t)(p + *i - s.p);
	return s;
}

/* 1 to 5 digits, 1..65535 */
static int parse_port(im_span_t s, unsigned *port)
{
	unsigned v = 0;

	if(s.len == 0 || s.len > 5)
		return -1;
	for(size_t i = 0; i < s.len; i++)
		v = v * 10 + (unsigned)(s.p[i] - '0');
	if(v == 0 || v > 65535)
		return -1;
	*port = v;
	return 0;
}

static int parse_scheme(const char *p, size_t n, im_msrp_uri_t *u, size_t *i)
{
	if(n >= 7 && strncasecmp(p, "msrp://", 7) == 0) {
		*i = 7;
		return 0;
	}
	if(n >= 8 && strncasecmp(p, "msrps://", 8) == 0) {
		u->secure = 1;
		*i = 8;
		return 0;
	}
	return -1;
}

static int parse_authority(const char *p, size_t n, im_msrp_uri_t *u, size_t *i)
{
	/* userinfo ends at an '@' before the first '/' or ';' */
	for(size_t k = *i; k < n && p[k] != '/' && p[k] != ';'; k++) {
		if(p[k] == '@') {
			u->user.p = p + *i;
			u->user.len = k - *i;
			*i = k + 1;
			break;
		}
	}
	for(size_t k = 0; k < u->user.len; k++)
		if(!is_visible(u->user.p[k]))
			return -1;
	if(*i < n && p[*i] == '[') {
		(*i)++;
		u->host = take_run(p, n, i, is_ipv6_char);
		if(*i >= n || p[*i] != ']')
			return -1;
		(*i)++;
		u->ipv6 = 1;
	} else {
		u->host = take_run(p, n, i, is_host_char);
	}
	if(u->host.len == 0)
		return -1;
	u->port = IM_MSRP_DEFAULT_PORT;
	if(*i < n && p[*i] == ':') {
		(*i)++;
		if(parse_port(take_run(p, n, i, is_digit), &u->port) < 0)
			return -1;
	}
	return 0;
}

static int parse_uri(const char *p, size_t n, im_msrp_uri_t *u)
{
	size_t i;

	if(parse_scheme(p, n, u, &i) < 0 || parse_authority(p, n, u, &i) < 0)
		return -1;
	if(i < n && p[i] == '/') {
		i++;
		u->session_id = take_run(p, n, &i, is_session_id_char);
		if(u->session_id.len == 0)
			return -1;
	}
	if(i >= n || p[i] != ';')
		return -1; /* the transport is mandatory */
	i++;
	u->transport = take_run(p, n, &i, is_alnum);
	if(u->transport.len == 0)
		return -1;
	if(i == n)
		return 0;
	if(p[i] != ';')
		return -1;
	u->params.p = p + i + 1;
	/* ";name[=value]" each, none empty */
	while(i < n) {
		if(p[i] != ';')
			return -1;
		i++;
		if(take_run(p, n, &i, is_param_char).len == 0)
			return -1;
	}
	u->params.len = (size_t)(p + n - u->params.p);
	return 0;
}

int im_msrp_uri_parse(const char *p, size_t n, im_msrp_uri_t *u)
{
	memset(u, 0, sizeof(*u));
	if(parse_uri(p, n, u) == 0)
		return 0;
	memset(u, 0, sizeof(*u));
	return -1;
}

static int span_case_eq(im_span_t a, im_span_t b)
{
	return a.len == b.len && (a.len == 0 || strncasecmp(a.p, b.p, a.len) == 0);
}

static int span_eq(im_span_t a, im_span_t b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

int im_msrp_uri_equal(const im_msrp_uri_t *a, const im_msrp_uri_t *b)
{
	return a->secure == b->secure && a->port == b->port
		   && span_case_eq(a->host, b->host)
		   && span_eq(a->session_id, b->session_id)
		   && span_case_eq(a->transport, b->transport);
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int is_not_blank(char c)
{
	return !is_blank(c);
}

static int is_not_sp(char c)
{
	return c != ' ';
}

void im_msrp_path_init(im_msrp_path_iter_t *it, const char *p, size_t n,
		im_msrp_path_sep_t sep)
{
	it->rest.p = p;
	it->rest.len = n;
	it->sep = sep;
	it->want_more = 0;
}

/* Moves the iterator past the first k bytes of its rest. */
static void advance(im_msrp_path_iter_t *it, size_t k)
{
	it->rest.p += k;
	it->rest.len -= k;
}

int im_msrp_path_next(im_msrp_path_iter_t *it, im_msrp_uri_t *u)
{
	int blanks = it->sep == IM_MSRP_PATH_BLANKS;
	size_t i = 0;
	im_span_t word;

	if(blanks)
		take_run(it->rest.p, it->rest.len, &i, is_blank);
	advance(it, i);
	if(it->rest.len == 0)
		return it->want_more ? -1 : 0;
	i = 0;
	word = take_run(
			it->rest.p, it->rest.len, &i, blanks ? is_not_blank : is_not_sp);
	advance(it, i);
	if(im_msrp_uri_parse(word.p, word.len, u) < 0)
		return -1;
	/* the word ended at an SP: one SP, then another URI, which the next
	 * call checks is there (an empty word does not parse) */
	it->want_more = !blanks && it->rest.len > 0;
	if(it->want_more)
		advance(it, 1);
	return 1;
}

int im_msrp_path_parse(const char *p, size_t n, im_msrp_uri_t *out, int max)
{
	im_msrp_path_iter_t it;
	im_msrp_uri_t u;
	int count = 0, r;

	im_msrp_path_init(&it, p, n, IM_MSRP_PATH_SP);
	while((r = im_msrp_path_next(&it, &u)) == 1) {
		if(count == max)
			return -1;
		out[count++] = u;
	}
	return r < 0 || count == 0 ? -1 : count;
}

void im_msrp_path_ends(im_span_t v, im_span_t *first, im_span_t *last)
{
	const char *sp = memchr(v.p, ' ', v.len);
	size_t before_last = v.len;

	if(first) {
		*first = v;
		if(sp)
			first->len = (size_t)(sp - v.p);
	}
	if(last) {
		while(sp && before_last && v.p[before_last - 1] != ' ')
			before_last--;
		last->p = v.p + (sp ? before_last : 0);
		last->len = v.len - (size_t)(last->p - v.p);
	}
}
