#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/data_lump_rpl.h"
#include "core/dprint.h"
#include "core/ip_addr.h"
#include "core/mem/mem.h"
#include "core/msg_translator.h"
#include "core/parser/msg_parser.h"
#include "core/socket_info.h"
#include "core/sr_module.h"
#include "core/ut.h"
#include "modules/xhttp/api.h"

#include "im_random.h"

#include "im_pf_db.h"
#include "im_pf_settings.h"
#include "im_pf_sysdoc.h"
#include "im_pf_ts1.h"

/* a user's answer (a posted form) kept with the document */
#define SYSDOC_ANSWER_MAX 4096
#define SYSDOC_TABLE "im_sysdoc"

str impf_sysdoc_url = STR_NULL;
int impf_sysdoc_expires = 7 * 24 * 3600;
int impf_sysdoc_max_size = 32768;

static xhttp_api_t xhttp;
static int hosting;		   /* xhttp bound and a URL known */
static str url_path;	   /* the path part of impf_sysdoc_url */
static char url_host[128]; /* its host, for Content-ID */

static const char *key_cols[] = {"token"};
static const char *cols[] = {"token", "recipient", "content_type", "body",
		"need_response", "answered", "answer", "expires", "delivered"};
enum
{
	C_TOKEN,
	C_RECIPIENT,
	C_CTYPE,
	C_BODY,
	C_NEED,
	C_ANSWERED,
	C_ANSWER,
	C_EXPIRES,
	C_DELIVERED,
	NCOLS
};

/* an integer column (a view: not NUL-terminated) */
static long long num(const str *s)
{
	long n = 0;

	return str2slong((str *)s, &n) == 0 ? n : 0;
}

/* http://<first TCP listener>/im/sysdoc/ (our SIP port serves HTTP) */
static int default_url(void)
{
	static char buf[160];
	struct socket_info **l = get_sock_info_list(PROTO_TCP);
	struct socket_info *si = l ? *l : NULL;
	int n;

	if(!si)
		return 0;
	n = snprintf(buf, sizeof(buf), "http://%s%.*s%s:%.*s/im/sysdoc/",
			si->address.af == AF_INET6 ? "[" : "", si->address_str.len,
			si->address_str.s, si->address.af == AF_INET6 ? "]" : "",
			si->port_no_str.len, si->port_no_str.s);
	if(n <= 0 || n >= (int)sizeof(buf))
		return -1;
	impf_sysdoc_url = (str){buf, n};
	return 0;
}

/* url_path and url_host from the base URL; it must end in '/' */
static int split_url(void)
{
	char *hs, *slash, *end = impf_sysdoc_url.s + impf_sysdoc_url.len;
	int hl;

	hs = memchr(impf_sysdoc_url.s, ':', impf_sysdoc_url.len);
	if(!hs || end - hs < 4 || strncmp(hs, "://", 3) != 0)
		return -1;
	hs += 3;
	slash = memchr(hs, '/', end - hs);
	if(!slash || end[-1] != '/')
		return -1;
	url_path = (str){slash, (int)(end - slash)};
	hl = (int)(slash - hs);
	for(int i = 0; i < hl; i++)
		if(hs[i] == ':' && memchr(hs, ']', hl) == NULL) {
			hl = i;
			break;
		}
	snprintf(url_host, sizeof(url_host), "%.*s", hl, hs);
	return 0;
}

int impf_sysdoc_init(void)
{
	if(impf_sysdoc_expires < 1 || impf_sysdoc_max_size < 1) {
		LM_ERR("sysdoc_expires and sysdoc_max_size must be positive\n");
		return -1;
	}
	if(!find_export("bind_xhttp", 0, 0)) {
		LM_INFO("xhttp not loaded: system messages over 1300 bytes or "
				"needing a response cannot be sent (OMA TS 5.4 step 3)\n");
		return 0;
	}
	if(xhttp_load_api(&xhttp) < 0)
		return -1;
	if(!impf_sysdoc_url.len && default_url() < 0)
		return -1;
	if(!impf_sysdoc_url.len) {
		LM_INFO("no TCP listener and no sysdoc_url: system documents "
				"cannot be hosted\n");
		return 0;
	}
	if(split_url() < 0) {
		LM_ERR("sysdoc_url must be scheme://host[:port]/path/ (ending in /), "
			   "not %.*s\n",
				impf_sysdoc_url.len, impf_sysdoc_url.s);
		return -1;
	}
	hosting = 1;
	return 0;
}

int impf_sysdoc_put(const str *user, const str *ctype, const str *body,
		int need_response, char *token, long long *expires)
{
	char exp[24], key[IMPF_AOR_MAX];
	str vals[NCOLS];

	if(impf_settings_key(user, key, sizeof(key)) < 0)
		return -1;
	if(!hosting) {
		LM_WARN("a system document needs xhttp and a sysdoc_url\n");
		return -1;
	}
	im_random_hex(token, IMPF_SYSDOC_TOKEN_LEN);
	*expires = (long long)time(NULL) + impf_sysdoc_expires;
	snprintf(exp, sizeof(exp), "%lld", *expires);
	vals[C_TOKEN] = (str){token, IMPF_SYSDOC_TOKEN_LEN};
	/* the user as Ts1 and the settings key him: sip:user@host */
	vals[C_RECIPIENT] = (str){key, (int)strlen(key)};
	vals[C_CTYPE] = *ctype;
	vals[C_BODY] = *body;
	vals[C_NEED] = (str){need_response ? "1" : "0", 1};
	vals[C_ANSWERED] = (str){"0", 1};
	vals[C_ANSWER] = (str){"", 0};
	vals[C_EXPIRES] = (str){exp, (int)strlen(exp)};
	vals[C_DELIVERED] = (str){"0", 1};
	return impf_db_put(
			SYSDOC_TABLE, key_cols, &vals[C_TOKEN], 1, cols, vals, NCOLS);
}

void impf_sysdoc_del(const char *token)
{
	str t = {(char *)token, IMPF_SYSDOC_TOKEN_LEN};

	impf_db_del(SYSDOC_TABLE, key_cols, &t, 1);
}

int impf_sysdoc_external_body(const char *token, long long expires,
		const str *ctype, int size, str *ct_out, str *body_out)
{
	char date[64];
	time_t t = (time_t)expires;
	struct tm tm;
	int n;

	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	n = impf_sysdoc_url.len + 160;
	ct_out->s = pkg_malloc(n);
	body_out->s = pkg_malloc(ctype->len + 128 + sizeof(url_host));
	if(!ct_out->s || !body_out->s) {
		PKG_MEM_ERROR;
		if(ct_out->s)
			pkg_free(ct_out->s);
		if(body_out->s)
			pkg_free(body_out->s);
		return -1;
	}
	/* RFC 4483 section 4 with RFC 2017's URL access-type */
	ct_out->len = snprintf(ct_out->s, n,
			"message/external-body;access-type=\"URL\";"
			"expiration=\"%s\";URL=\"%.*s%s\";size=%d",
			date, impf_sysdoc_url.len, impf_sysdoc_url.s, token, size);
	body_out->len = snprintf(body_out->s, ctype->len + 128 + sizeof(url_host),
			"Content-Type: %.*s\r\nContent-ID: <%s@%s>\r\n\r\n", ctype->len,
			ctype->s, token, url_host);
	return 0;
}

typedef struct doc
{
	int found;
	str recipient, ctype, body;
	int need;
	long long expires;
} doc_t;

static void doc_free(doc_t *d)
{
	str *s[] = {&d->recipient, &d->ctype, &d->body};

	for(unsigned int i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		if(s[i]->s)
			pkg_free(s[i]->s);
}

static int doc_row(str *v, int n, void *arg)
{
	doc_t *d = arg;

	(void)n;
	if(pkg_str_dup(&d->recipient, &v[C_RECIPIENT]) < 0
			|| pkg_str_dup(&d->ctype, &v[C_CTYPE]) < 0
			|| pkg_str_dup(&d->body, &v[C_BODY]) < 0)
		return -1;
	d->need = v[C_NEED].len && v[C_NEED].s[0] == '1';
	d->expires = num(&v[C_EXPIRES]);
	d->found = 1;
	return 1;
}

static int reply(struct sip_msg *msg, int code, const char *reason,
		const char *ctype, const str *body, const char *hdrs)
{
	str r = {(char *)reason, (int)strlen(reason)};
	str ct = {(char *)ctype, (int)strlen(ctype)};

	if(hdrs && !add_lump_rpl(msg, (char *)hdrs, strlen(hdrs), LUMP_RPL_HDR))
		return -1;
	return xhttp.reply(msg, code, &r, &ct, (str *)body) < 0 ? -1 : 1;
}

static int text_reply(struct sip_msg *msg, int code, const char *reason,
		const char *text, const char *hdrs)
{
	str b = {(char *)text, (int)strlen(text)};

	return reply(msg, code, reason, "text/plain", &b, hdrs);
}

/* Counts the documents of a user still owed a response since delivery
 * (impf_db_select_str row), the oldest delivery in *since. */
typedef struct owed
{
	int n;
	long long since;
} owed_t;

/* When the document of row v was delivered, if a response to it is still
 * owed now (delivered, not expired); else 0. */
static long long owed_since(str *v)
{
	long long d = num(&v[C_DELIVERED]);

	return d > 0 && num(&v[C_EXPIRES]) > (long long)time(NULL) ? d : 0;
}

static int owed_row(str *v, int n, void *arg)
{
	owed_t *o = arg;
	long long d = owed_since(v);

	(void)n;
	if(!d)
		return 0;
	if(!o->n || d < o->since)
		o->since = d;
	o->n++;
	return 0;
}

static const char *owed_keys[] = {"recipient", "need_response", "answered"};

/* The user's response: kept with the document. His Ts1 ends when no
 * other delivered document still waits for one. */
static int answer(struct sip_msg *msg, const str *token, doc_t *d)
{
	static const char *set[] = {"answered", "answer"};
	str body = STR_NULL, vals[2], keys[3];
	owed_t o = {0, 0};

	if(!d->need)
		return text_reply(msg, 405, "Method Not Allowed",
				"this document takes no response\n", "Allow: GET\r\n");
	body.s = get_body(msg);
	body.len = body.s ? msg->len - (int)(body.s - msg->buf) : 0;
	if(body.len > SYSDOC_ANSWER_MAX)
		return text_reply(msg, 413, "Payload Too Large",
				"a response of at most 4096 bytes\n", NULL);
	vals[0] = (str){"1", 1};
	vals[1] = body;
	if(impf_db_update(SYSDOC_TABLE, key_cols, token, 1, set, vals, 2) < 0)
		return text_reply(msg, 500, "Internal Server Error",
				"the response could not be recorded\n", NULL);
	keys[0] = d->recipient;
	keys[1] = (str){"1", 1}; /* need_response */
	keys[2] = (str){"0", 1}; /* not answered */
	if(impf_db_select_str(SYSDOC_TABLE, owed_keys, keys, 3, cols, NCOLS,
			   owed_row,
			   &o) >= 0
			&& o.n == 0)
		impf_ts1_clear(&d->recipient);
	LM_INFO("system message response of %.*s recorded (%d bytes), %d more "
			"owed\n",
			d->recipient.len, d->recipient.s, body.len, o.n);
	return text_reply(msg, 200, "OK", "response recorded\n", NULL);
}

void impf_sysdoc_delivered(const char *token)
{
	static const char *set[] = {"delivered"};
	str t = {(char *)token, IMPF_SYSDOC_TOKEN_LEN}, v;
	char now[24];

	v.len = snprintf(now, sizeof(now), "%lld", (long long)time(NULL));
	v.s = now;
	if(token[0])
		impf_db_update(SYSDOC_TABLE, key_cols, &t, 1, set, &v, 1);
}

int impf_sysdoc_answer_all(const str *user)
{
	static const char *set[] = {"answered"};
	char key[IMPF_AOR_MAX];
	str keys[3], v = {"1", 1};

	if(!hosting)
		return 0;
	if(impf_settings_key(user, key, sizeof(key)) < 0)
		return -1;
	keys[0] = (str){key, (int)strlen(key)};
	keys[1] = (str){"1", 1}; /* need_response */
	keys[2] = (str){"0", 1}; /* not answered */
	return impf_db_update(SYSDOC_TABLE, owed_keys, keys, 3, set, &v, 1);
}

/* one owed document: its user owes since its delivery */
static int restore_row(str *v, int n, void *arg)
{
	int *users = arg;
	long long d = owed_since(v);

	(void)n;
	if(d && impf_ts1_start_at(&v[C_RECIPIENT], (time_t)d) == 0)
		(*users)++;
	return 0;
}

int impf_sysdoc_restore_ts1(void)
{
	static const char *keys[] = {"need_response", "answered"};
	str vals[2] = {{"1", 1}, {"0", 1}};
	int users = 0;

	if(!hosting)
		return 0;
	if(impf_db_select_str(
			   SYSDOC_TABLE, keys, vals, 2, cols, NCOLS, restore_row, &users)
			< 0)
		return -1;
	if(users)
		LM_INFO("Ts1: %d response(s) to system messages still owed\n", users);
	return 0;
}

static int is_token(const str *t)
{
	if(t->len != IMPF_SYSDOC_TOKEN_LEN)
		return 0;
	for(int i = 0; i < t->len; i++)
		if(!((t->s[i] >= '0' && t->s[i] <= '9')
				   || (t->s[i] >= 'a' && t->s[i] <= 'f')))
			return 0;
	return 1;
}

int impf_sysdoc_http(struct sip_msg *msg)
{
	static const char *no_store = "Cache-Control: no-store\r\n";
	str path, token, method;
	doc_t d = {0};
	char *q;
	int ret, get, post;

	if(!hosting || msg->first_line.type != SIP_REQUEST)
		return -1;
	path = msg->first_line.u.request.uri;
	q = memchr(path.s, '?', path.len);
	if(q)
		path.len = (int)(q - path.s);
	if(path.len < url_path.len
			|| strncmp(path.s, url_path.s, url_path.len) != 0)
		return -1;
	token = (str){path.s + url_path.len, path.len - url_path.len};
	method = msg->first_line.u.request.method;
	get = method.len == 3 && strncmp(method.s, "GET", 3) == 0;
	post = method.len == 4 && strncmp(method.s, "POST", 4) == 0;
	if(!get && !post)
		return text_reply(msg, 405, "Method Not Allowed", "GET or POST\n",
				"Allow: GET, POST\r\n");
	if(!is_token(&token)
			|| impf_db_select_str(SYSDOC_TABLE, key_cols, &token, 1, cols,
					   NCOLS, doc_row, &d)
					   < 0
			|| !d.found || d.expires <= (long long)time(NULL)) {
		doc_free(&d);
		return text_reply(msg, 404, "Not Found", "no such document\n", NULL);
	}
	if(get)
		ret = reply(msg, 200, "OK", d.ctype.s, &d.body, no_store);
	else
		ret = answer(msg, &token, &d);
	doc_free(&d);
	return ret;
}

void impf_sysdoc_purge(void)
{
	int n;

	if(!hosting)
		return;
	n = impf_db_del_before(SYSDOC_TABLE, "expires", (long long)time(NULL));
	if(n > 0)
		LM_INFO("%d expired system document(s) deleted\n", n);
}

typedef struct list_ctx
{
	rpc_t *rpc;
	void *ctx;
	const str *user;
} list_ctx_t;

static int list_row(str *v, int n, void *arg)
{
	list_ctx_t *l = arg;
	void *st;

	(void)n;
	if(l->user
			&& (v[C_RECIPIENT].len != l->user->len
					|| strncasecmp(v[C_RECIPIENT].s, l->user->s, l->user->len)
							   != 0))
		return 0;
	if(l->rpc->add(l->ctx, "{", &st) < 0)
		return -1;
	l->rpc->struct_add(st, "SSSSddSdSS", "url", &impf_sysdoc_url, "token",
			&v[C_TOKEN], "recipient", &v[C_RECIPIENT], "content_type",
			&v[C_CTYPE], "size", v[C_BODY].len, "need_response",
			v[C_NEED].len && v[C_NEED].s[0] == '1', "answer", &v[C_ANSWER],
			"answered", v[C_ANSWERED].len && v[C_ANSWERED].s[0] == '1',
			"expires", &v[C_EXPIRES], "delivered", &v[C_DELIVERED]);
	return 0;
}

const char *impf_rpc_system_docs_doc[] = {
		"The hosted documents of system messages, [of one user]: url (base), "
		"token, recipient, content_type, size, need_response, answer, "
		"answered, expires, delivered (unix times; 0 not delivered).",
		0};

void impf_rpc_system_docs(rpc_t *rpc, void *ctx)
{
	str user = STR_NULL;
	list_ctx_t l = {rpc, ctx, NULL};

	if(rpc->scan(ctx, "*S", &user) == 1 && user.len)
		l.user = &user;
	if(impf_db_select_str(
			   SYSDOC_TABLE, NULL, NULL, 0, cols, NCOLS, list_row, &l)
			< 0)
		rpc->fault(ctx, 500, "database error");
}
