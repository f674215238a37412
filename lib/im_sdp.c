#include "im_sdp.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

typedef struct line_iter {
	const char *p;
	size_t len, pos;
} line_iter_t;

/* The next line without its CRLF or LF (the parse refuses a bare LF, see
 * im_sdp_parse_msrp); the last line may lack one. 0 at the end. */
static int next_line(line_iter_t *it, im_span_t *line)
{
	const char *nl;
	size_t n;

	if(it->pos >= it->len)
		return 0;
	line->p = it->p + it->pos;
	nl = memchr(line->p, '\n', it->len - it->pos);
	n = nl ? (size_t)(nl - line->p) : it->len - it->pos;
	it->pos += n + (nl != NULL);
	if(n && line->p[n - 1] == '\r')
		n--;
	line->len = n;
	return 1;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_alnum(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int span_is(im_span_t s, const char *lit)
{
	size_t n = strlen(lit);
	return s.len == n && strncasecmp(s.p, lit, n) == 0;
}

static im_span_t trim(im_span_t s)
{
	while(s.len && is_blank(s.p[0])) {
		s.p++;
		s.len--;
	}
	while(s.len && is_blank(s.p[s.len - 1]))
		s.len--;
	return s;
}

/* The next blank-separated word of *rest, which moves past it. */
static im_span_t next_word(im_span_t *rest)
{
	im_span_t w;

	while(rest->len && is_blank(rest->p[0])) {
		rest->p++;
		rest->len--;
	}
	w.p = rest->p;
	w.len = 0;
	while(w.len < rest->len && !is_blank(rest->p[w.len]))
		w.len++;
	rest->p += w.len;
	rest->len -= w.len;
	return w;
}

static int is_type(im_span_t line, char type)
{
	return line.len >= 2 && line.p[0] == type && line.p[1] == '=';
}

/* "a=name" or "a=name:value"; the value without surrounding blanks. */
static int is_attr(im_span_t line, im_span_t *name, im_span_t *value)
{
	const char *colon;

	if(!is_type(line, 'a'))
		return 0;
	name->p = line.p + 2;
	name->len = line.len - 2;
	colon = memchr(name->p, ':', name->len);
	value->p = name->p + name->len;
	value->len = 0;
	if(colon) {
		value->p = colon + 1;
		value->len = name->len - (size_t)(colon + 1 - name->p);
		name->len = (size_t)(colon - name->p);
		*value = trim(*value);
	}
	*name = trim(*name);
	return 1;
}

/* At most 5 digits, so no overflow; 0..65535. */
static int parse_port(im_span_t s, unsigned *port)
{
	unsigned v = 0;

	if(s.len == 0 || s.len > 5)
		return -1;
	for(size_t i = 0; i < s.len; i++) {
		if(!is_digit(s.p[i]))
			return -1;
		v = v * 10 + (unsigned)(s.p[i] - '0');
	}
	if(v > 65535)
		return -1;
	*port = v;
	return 0;
}

static const char *const setup_names[] = {
		[IM_SETUP_ACTIVE] = "active",
		[IM_SETUP_PASSIVE] = "passive",
		[IM_SETUP_ACTPASS] = "actpass",
		[IM_SETUP_HOLDCONN] = "holdconn",
};

static int parse_setup(im_span_t v, im_sdp_setup_t *setup)
{
	for(int s = IM_SETUP_ACTIVE; s <= IM_SETUP_HOLDCONN; s++) {
		if(span_is(v, setup_names[s])) {
			*setup = (im_sdp_setup_t)s;
			return 0;
		}
	}
	return -1;
}

static int is_direction(im_span_t name)
{
	return span_is(name, "sendrecv") || span_is(name, "sendonly")
		   || span_is(name, "recvonly") || span_is(name, "inactive");
}

typedef struct mline {
	im_span_t media, proto;
	im_span_t port_word; /* "<port>" or "<port>/<count>" */
	unsigned port;
	int has_count;
} mline_t;

static const char *parse_mline(im_span_t line, mline_t *ml)
{
	im_span_t rest = {line.p + 2, line.len - 2}, port, fmt;
	const char *slash;
	unsigned count;

	ml->media = next_word(&rest);
	ml->port_word = next_word(&rest);
	ml->proto = next_word(&rest);
	fmt = next_word(&rest);
	if(!fmt.len)
		return "bad m= line";
	port = ml->port_word;
	slash = memchr(port.p, '/', port.len);
	ml->has_count = slash != NULL;
	if(slash) {
		im_span_t c = {slash + 1, port.len - (size_t)(slash + 1 - port.p)};
		port.len = (size_t)(slash - port.p);
		if(parse_port(c, &count) < 0)
			return "bad m= port";
	}
	if(parse_port(port, &ml->port) < 0)
		return "bad m= port";
	return NULL;
}

/* RFC 1123 host name: dot-separated labels of letters, digits and inner
 * hyphens; the last label is not all digits, so that a dotted number
 * which is no IPv4 address (999.999.1.1) is not taken for a name. */
static int is_host_name(im_span_t a)
{
	size_t label = 0;
	int all_digits = 1;

	if(a.len == 0 || a.len > 253)
		return 0;
	for(size_t i = 0; i < a.len; i++) {
		char c = a.p[i];
		if(c == '.') {
			if(label == 0 || a.p[i - 1] == '-')
				return 0;
			label = 0;
			all_digits = 1;
			continue;
		}
		if(!is_alnum(c) && c != '-')
			return 0;
		if(label == 0 && c == '-')
			return 0;
		if(++label > 63)
			return 0;
		all_digits &= is_digit(c);
	}
	return label > 0 && a.p[a.len - 1] != '-' && !all_digits;
}

/* An address literal of the family c= names (RFC 4566 section 5.7). */
static int is_addr_literal(im_span_t a, int ipv6)
{
	char buf[64];
	unsigned char bin[16];

	if(a.len >= sizeof(buf))
		return 0;
	memcpy(buf, a.p, a.len);
	buf[a.len] = '\0';
	return inet_pton(ipv6 ? AF_INET6 : AF_INET, buf, bin) == 1;
}

/* "/<ttl>[/<count>]" after a multicast address: digits only. */
static int is_ttl_suffix(im_span_t s)
{
	size_t digits = 0;

	for(size_t i = 0; i < s.len; i++) {
		if(s.p[i] == '/' && digits > 0 && i + 1 < s.len)
			digits = 0;
		else if(is_digit(s.p[i]) && digits < 10)
			digits++;
		else
			return 0;
	}
	return digits > 0;
}

/*
 * "c=IN IP4|IP6 <address>[/ttl...]": the address is a literal of that
 * family or a host name (RFC 4566 section 5.7, unicast-address); an IPv6
 * literal under IP4, an IPv4 one under IP6 or a dotted number that is no
 * address (999.999.1.1) is refused.
 */
static const char *parse_cline(im_span_t line, im_span_t *addr, int *ipv6)
{
	im_span_t rest = {line.p + 2, line.len - 2};
	im_span_t net = next_word(&rest), type = next_word(&rest);
	im_span_t a = next_word(&rest);
	const char *slash;

	if(!span_is(net, "IN") || next_word(&rest).len)
		return "bad c= line";
	if(span_is(type, "IP4"))
		*ipv6 = 0;
	else if(span_is(type, "IP6"))
		*ipv6 = 1;
	else
		return "bad c= line";
	slash = memchr(a.p, '/', a.len);
	if(slash) {
		im_span_t ttl = {slash + 1, a.len - (size_t)(slash + 1 - a.p)};
		if(!is_ttl_suffix(ttl))
			return "bad c= line";
		a.len = (size_t)(slash - a.p);
	}
	if(a.len == 0)
		return "bad c= line";
	if(!is_addr_literal(a, *ipv6) && !is_host_name(a))
		return *ipv6 ? "bad c= address: not an IPv6 address or host name"
					 : "bad c= address: not an IPv4 address or host name";
	*addr = a;
	return NULL;
}

/* One URI of a=path, host within the bound im_msrp_path_addr promises. */
static int next_path_uri(im_msrp_path_iter_t *it, im_msrp_uri_t *u)
{
	int r = im_msrp_path_next(it, u);

	return r == 1 && u->host.len > IM_MSRP_MAX_HOST ? -1 : r;
}

/* Every URI of the path, in the grammar the relay reads them with, so
 * that what passes here is a path the relay accepts. */
static const char *check_path(im_span_t v)
{
	im_msrp_path_iter_t it;
	im_msrp_uri_t u;
	int r, count = 0;

	im_msrp_path_init(&it, v.p, v.len, IM_MSRP_PATH_BLANKS);
	while((r = next_path_uri(&it, &u)) == 1)
		count++;
	return r < 0 || count == 0 ? "bad a=path uri" : NULL;
}

/* What the MSRP media section holds. */
typedef struct msrp_section {
	int has_c, c_ipv6, has_path, has_setup;
	im_span_t c;
	im_sdp_setup_t setup;
	im_span_t direction;
} msrp_section_t;

static const char *media_attr(
		im_span_t name, im_span_t value, im_sdp_msrp_t *m, msrp_section_t *sec)
{
	if(span_is(name, "path")) {
		if(sec->has_path)
			return "duplicate a=path";
		sec->has_path = 1;
		m->path = value;
		return check_path(value);
	}
	if(span_is(name, "setup")) {
		if(parse_setup(value, &sec->setup) < 0)
			return "bad a=setup";
		sec->has_setup = 1;
	} else if(span_is(name, "msrp-cema")) {
		m->cema = 1;
	} else if(span_is(name, "accept-types")) {
		if(!m->accept_types.p)
			m->accept_types = value;
	} else if(span_is(name, "accept-wrapped-types")) {
		if(!m->accept_wrapped_types.p)
			m->accept_wrapped_types = value;
	} else if(span_is(name, "max-size")) {
		long long v = 0;
		/* 18 digits cannot overflow a long long */
		if(value.len == 0 || value.len > 18)
			return "bad a=max-size";
		for(size_t i = 0; i < value.len; i++) {
			if(!is_digit(value.p[i]))
				return "bad a=max-size";
			v = v * 10 + (value.p[i] - '0');
		}
		m->max_size = v;
	} else if(span_is(name, "fingerprint")) {
		if(!m->fingerprint.p)
			m->fingerprint = value;
	} else if(span_is(name, "file-selector")) {
		m->has_file_selector = 1;
	} else if(is_direction(name) && !sec->direction.p) {
		sec->direction = name;
	}
	return NULL;
}

static int fail(const char **err, const char *reason)
{
	*err = reason;
	return -1;
}

int im_sdp_parse_msrp(const char *sdp, size_t len, im_sdp_msrp_t *m,
		int *no_msrp, const char **err)
{
	line_iter_t it = {sdp, len, 0};
	im_span_t line, name, value, sess_c = {NULL, 0}, sess_dir = {NULL, 0};
	im_span_t sess_fp = {NULL, 0};
	msrp_section_t sec;
	im_sdp_setup_t sess_setup = IM_SETUP_NONE;
	int media = -1, in_msrp = 0, found = 0, nlines = 0, blank = 0;
	int have_o = 0, sess_c_ipv6 = 0, messages = 0;
	const char *e = NULL;

	memset(m, 0, sizeof(*m));
	memset(&sec, 0, sizeof(sec));
	m->max_size = -1;
	m->media_index = -1;
	*no_msrp = 0;
	*err = NULL;
	if(len > IM_SDP_MAX_LEN)
		return fail(err, "sdp too large");
	if(len && memchr(sdp, '\0', len))
		return fail(err, "nul byte in sdp");
	while(next_line(&it, &line)) {
		if(line.len > IM_SDP_MAX_LINE)
			return fail(err, "sdp line too long");
		if(memchr(line.p, '\r', line.len))
			return fail(err, "bad line end in sdp");
		/* RFC 4566 section 5: records end in CRLF. A bare LF is refused
		 * rather than mended, so that what the peer meant is never
		 * guessed (issue 8); only the last line may lack its end. */
		if(line.p + line.len < sdp + len && line.p[line.len] == '\n')
			return fail(err, "sdp line not ended by CRLF");
		/* tolerated only at the end, where some stacks add one */
		if(line.len == 0) {
			blank = 1;
			continue;
		}
		if(blank)
			return fail(err, "empty line in sdp");
		if(line.len < 2 || line.p[1] != '=' || line.p[0] < 'a'
				|| line.p[0] > 'z')
			return fail(err, "bad sdp line");
		if(nlines++ == 0) {
			if(line.len != 3 || memcmp(line.p, "v=0", 3) != 0)
				return fail(err, "sdp must start with v=0");
			continue;
		}
		switch(line.p[0]) {
			case 'v':
				return fail(err, "duplicate v= line");
			case 'o':
				if(media >= 0 || have_o)
					return fail(err, "misplaced o= line");
				have_o = 1;
				break;
			case 'm': {
				mline_t ml;
				if((e = parse_mline(line, &ml)) != NULL)
					return fail(err, e);
				media++;
				/* the relay carries one MSRP stream per session: a second
				 * one in use would be refused silently (issue 8) */
				if(ml.port != 0 && span_is(ml.media, "message")
						&& messages++)
					return fail(err, "more than one m=message line");
				in_msrp = !found && ml.port != 0 && span_is(ml.media, "message")
						  && (span_is(ml.proto, "TCP/MSRP")
								  || span_is(ml.proto, "TCP/TLS/MSRP"));
				if(in_msrp) {
					if(ml.has_count)
						return fail(err, "bad m= port");
					found = 1;
					m->port = ml.port;
					m->tls = span_is(ml.proto, "TCP/TLS/MSRP");
					m->media_index = media;
				}
				break;
			}
			case 'c': {
				/* every c= the rewrite replaces; the first one counts */
				im_span_t addr;
				int ipv6;
				if(media >= 0 && !in_msrp)
					break;
				if((e = parse_cline(line, &addr, &ipv6)) != NULL)
					return fail(err, e);
				if(media < 0 && !sess_c.p) {
					sess_c = addr;
					sess_c_ipv6 = ipv6;
				} else if(in_msrp && !sec.has_c) {
					sec.c = addr;
					sec.c_ipv6 = ipv6;
					sec.has_c = 1;
				}
				break;
			}
			case 'a':
				if(!is_attr(line, &name, &value))
					break;
				if(in_msrp) {
					e = media_attr(name, value, m, &sec);
				} else if(media < 0 && span_is(name, "setup")) {
					if(parse_setup(value, &sess_setup) < 0)
						e = "bad a=setup";
				} else if(media < 0 && is_direction(name) && !sess_dir.p) {
					sess_dir = name;
				} else if(media < 0 && span_is(name, "fingerprint")
						  && !sess_fp.p) {
					sess_fp = value;
				}
				if(e)
					return fail(err, e);
				break;
			default:
				break;
		}
	}
	if(nlines == 0)
		return fail(err, "empty sdp");
	if(!have_o)
		return fail(err, "missing o= line");
	if(!found) {
		*no_msrp = 1;
		return fail(err, "no msrp media");
	}
	if(!sec.has_path)
		return fail(err, "missing a=path");
	if(sec.has_c) {
		m->conn_ip = sec.c;
		m->ipv6 = sec.c_ipv6;
	} else if(sess_c.p) {
		m->conn_ip = sess_c;
		m->ipv6 = sess_c_ipv6;
	} else {
		return fail(err, "missing c= line");
	}
	m->setup = sec.has_setup ? sec.setup : sess_setup;
	m->direction = sec.direction.p ? sec.direction : sess_dir;
	if(!m->fingerprint.p)
		m->fingerprint = sess_fp;
	return 0;
}

typedef struct out_buf {
	char *p;
	size_t cap, len;
	int overflow;
	int counting; /* im_sdp_rewrite_len: the same walk, nothing written */
} out_buf_t;

static void put(out_buf_t *o, const char *s, size_t n)
{
	if(o->overflow || n == 0)
		return;
	if(o->counting) {
		o->len += n;
		return;
	}
	if(n > o->cap - o->len) {
		o->overflow = 1;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

static void put_str(out_buf_t *o, const char *s)
{
	put(o, s, strlen(s));
}

static void put_span(out_buf_t *o, im_span_t s)
{
	put(o, s.p, s.len);
}

static void put_ull(out_buf_t *o, unsigned long long v)
{
	char b[24];
	int n = snprintf(b, sizeof(b), "%llu", v);
	put(o, b, (size_t)n);
}

static void put_addr(out_buf_t *o, const im_sdp_rewrite_t *rw)
{
	put_str(o, rw->ipv6 ? "IN IP6 " : "IN IP4 ");
	put_str(o, rw->ip);
	put_str(o, "\r\n");
}

static void put_setup(out_buf_t *o, im_sdp_setup_t setup)
{
	if(setup < IM_SETUP_ACTIVE || setup > IM_SETUP_HOLDCONN)
		return;
	put_str(o, "a=setup:");
	put_str(o, setup_names[setup]);
	put_str(o, "\r\n");
}

/* The m= line with its port replaced (and a port count dropped). */
static void put_mline(out_buf_t *o, im_span_t line, unsigned port)
{
	mline_t ml;
	const char *tail;

	if(parse_mline(line, &ml) != NULL) {
		put_span(o, line);
		put_str(o, "\r\n");
		return;
	}
	tail = ml.port_word.p + ml.port_word.len;
	put_str(o, "m=");
	put_span(o, ml.media);
	put_str(o, " ");
	put_ull(o, port);
	put(o, tail, (size_t)(line.p + line.len - tail));
	put_str(o, "\r\n");
}

/* A walk over the a= lines of one media section (index, 0-based). */
typedef struct section_iter {
	line_iter_t it;
	int media, index;
} section_iter_t;

static void section_init(
		section_iter_t *s, const char *sdp, size_t len, int media_index)
{
	s->it.p = sdp;
	s->it.len = len;
	s->it.pos = 0;
	s->media = -1;
	s->index = media_index;
}

static int next_section_attr(section_iter_t *s, im_span_t *line, im_span_t *name)
{
	im_span_t value;

	while(next_line(&s->it, line)) {
		if(is_type(*line, 'm'))
			s->media++;
		else if(s->media == s->index && is_attr(*line, name, &value))
			return 1;
	}
	return 0;
}

/* Whether the MSRP media section already has a=setup and a=msrp-cema,
 * which decides what goes after its a=path. */
static void scan_msrp_section(const char *sdp, size_t len, int media_index,
		int *has_setup, int *has_cema)
{
	section_iter_t sec;
	im_span_t line, name;

	*has_setup = *has_cema = 0;
	section_init(&sec, sdp, len, media_index);
	while(next_section_attr(&sec, &line, &name)) {
		*has_setup |= span_is(name, "setup");
		*has_cema |= span_is(name, "msrp-cema");
	}
}

static void write_sdp(out_buf_t *o, const char *sdp, size_t len,
		const im_sdp_msrp_t *m, const im_sdp_rewrite_t *rw)
{
	line_iter_t it = {sdp, len, 0};
	im_span_t line, name, value;
	int media = -1, in_msrp = 0, added = 0, has_setup, has_cema;

	scan_msrp_section(sdp, len, m->media_index, &has_setup, &has_cema);
	while(next_line(&it, &line)) {
		if(line.len == 0)
			continue;
		if(is_type(line, 'm')) {
			media++;
			in_msrp = media == m->media_index;
			put_mline(o, line, in_msrp ? rw->port : 0);
			continue;
		}
		if(media < 0 && is_type(line, 'o')) {
			put_str(o, "o=- ");
			put_ull(o, rw->sess_id);
			put_str(o, " ");
			put_ull(o, rw->sess_version);
			put_str(o, " ");
			put_addr(o, rw);
			continue;
		}
		if((media < 0 || in_msrp) && is_type(line, 'c')) {
			put_str(o, "c=");
			put_addr(o, rw);
			continue;
		}
		if(is_attr(line, &name, &value)) {
			/* it would apply to the MSRP media; ours is written there */
			if(media < 0 && span_is(name, "setup"))
				continue;
			/* the party's certificate is not what the other side meets */
			if((media < 0 || in_msrp) && span_is(name, "fingerprint"))
				continue;
			if(in_msrp && span_is(name, "setup")) {
				put_setup(o, rw->setup);
				continue;
			}
			if(in_msrp && span_is(name, "msrp-cema")) {
				if(rw->cema)
					put_str(o, "a=msrp-cema\r\n");
				continue;
			}
			if(in_msrp && span_is(name, "path")) {
				put_str(o, "a=path:");
				put_str(o, rw->path);
				put_str(o, "\r\n");
				if(!added && !has_setup)
					put_setup(o, rw->setup);
				if(!added && !has_cema && rw->cema)
					put_str(o, "a=msrp-cema\r\n");
				if(!added && rw->fingerprint && rw->fingerprint[0]) {
					put_str(o, "a=fingerprint:");
					put_str(o, rw->fingerprint);
					put_str(o, "\r\n");
				}
				added = 1;
				continue;
			}
		}
		put_span(o, line);
		put_str(o, "\r\n");
	}
}

size_t im_sdp_rewrite(const char *sdp, size_t len, const im_sdp_msrp_t *m,
		const im_sdp_rewrite_t *rw, char *out, size_t outlen)
{
	out_buf_t o = {out, out ? outlen : 0, 0, 0, 0};

	write_sdp(&o, sdp, len, m, rw);
	return o.overflow ? 0 : o.len;
}

size_t im_sdp_rewrite_len(const char *sdp, size_t len, const im_sdp_msrp_t *m,
		const im_sdp_rewrite_t *rw)
{
	out_buf_t o = {NULL, 0, 0, 0, 1};

	write_sdp(&o, sdp, len, m, rw);
	return o.len;
}

/* What a leg's own SDP writes for itself (im_sdp_msrp_attrs). */
static int is_transport_attr(im_span_t name)
{
	return span_is(name, "path") || span_is(name, "setup")
		   || span_is(name, "msrp-cema") || span_is(name, "fingerprint")
		   || span_is(name, "accept-types") || is_direction(name);
}

static void write_msrp_attrs(
		out_buf_t *o, const char *sdp, size_t len, int media_index)
{
	section_iter_t sec;
	im_span_t line, name;

	section_init(&sec, sdp, len, media_index);
	while(next_section_attr(&sec, &line, &name)) {
		if(!is_transport_attr(name)) {
			put_span(o, line);
			put_str(o, "\r\n");
		}
	}
}

size_t im_sdp_msrp_attrs(const char *sdp, size_t len, const im_sdp_msrp_t *m,
		char *out, size_t outlen)
{
	out_buf_t counted = {NULL, 0, 0, 0, 1}, o = {out, outlen, 0, 0, 0};

	write_msrp_attrs(&counted, sdp, len, m->media_index);
	if(out && counted.len <= outlen)
		write_msrp_attrs(&o, sdp, len, m->media_index);
	return counted.len;
}

int im_msrp_path_addr(const char *path, size_t len, char *host, size_t hostlen,
		unsigned *port, int *ipv6)
{
	im_msrp_path_iter_t it;
	im_msrp_uri_t u;

	im_msrp_path_init(&it, path, len, IM_MSRP_PATH_BLANKS);
	if(next_path_uri(&it, &u) != 1 || u.host.len >= hostlen)
		return -1;
	memcpy(host, u.host.p, u.host.len);
	host[u.host.len] = '\0';
	*port = u.port;
	*ipv6 = u.ipv6;
	return 0;
}
