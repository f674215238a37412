/*
 * The controlling function's pure logic (modules/im_cf: conference state,
 * session identities, policy checks, chat aliases, final reports) driven
 * by the golden cases in cf_cases/NAME.txt, one cmocka test per file. The
 * language:
 *
 *   session adhoc|1-1 max=N min=N duration=S start=T [room=N]
 *   > event args...      apply an event, expect success (>! : refused)
 *   < action             the next action it gave, in order; all must be
 *                        listed before the next non-'<' line
 *   = what args...       the state after it (state, disc, version,
 *                        released, active, n, alias, join, find URI I,
 *                        hidden I 0|1)
 *   ? check args -> result   a pure function (ident-make, ident-parse,
 *                        id-make, factory, add, pager, cpim-imdn,
 *                        takes-cpim, wrapped, sdp-wrapped, ci, fr-*,
 *                        leg-index, takes-multipart)
 *
 * "? ci SUBSCRIBER full|partial v=N -> ..." writes the conference-info
 * document of that subscriber (CF-21) against what the case's previous ci
 * queries told it, and reads it back as "STATE vN: ENTITY STATUS [own]
 * [DISPLAY]; ..." or "none" (a partial document with nothing new).
 *
 * The final delivery reports (C-8) of a case share one table:
 * "? fr-event SESSION MID IDX CODE [by=SENDER] [reason=R] t=MS" (R with '_'
 * for a space) -> ignored | waiting | REPORT, after "early REPORT;" when it
 * pushed out the oldest; "? fr-expire t=MS timeout=MS" -> REPORT | none;
 * "? fr-forget SESSION" and "? fr-pending" -> a count. A REPORT reads
 * "SESSION MID pSENDER: pI STATUS[/MAX-SIZE] ...".
 *
 * Events: create URI [display=D] [anon], invite URI [display=D] [anon]
 * [by=REFERRER] [notify] [hidden],
 * provisional I, answered I, failed I CODE, bye I, remove I, ended I,
 * rejoin URI [anon], tick T, terminate. Actions print as
 * "name [pI] [code] [warn]".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <libxml/parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "im_cf_accept.h"
#include "im_cf_alias.h"
#include "im_cf_ci.h"
#include "im_cf_conf.h"
#include "im_cf_final.h"
#include "im_cf_ident.h"
#include "im_cf_pager_check.h"
#include "im_cpim.h"
#include "im_cf_policy.h"

#define CASES "cf_cases"
#define MAX_WORDS 32

typedef struct runner
{
	const char *file;
	int line;
	imcf_conf_t *conf;
	imcf_actions_t acts;
	int next_act; /* first action not yet matched by a '<' line */
	unsigned char told[IMCF_MAX_PARTICIPANTS]; /* of the ci queries */
	imcf_final_table_t *fr;					   /* of the fr-* queries */
	int failures;
} runner_t;

static void fail_at(runner_t *r, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: ", r->file, r->line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	r->failures++;
}

static int split(char *s, char **w)
{
	int n = 0;

	for(char *t = strtok(s, " \t\r\n"); t && n < MAX_WORDS;
			t = strtok(NULL, " \t\r\n"))
		w[n++] = t;
	return n;
}

/* key=value among words w[from..n) ("" when absent) */
static const char *opt(char **w, int n, int from, const char *key)
{
	size_t k = strlen(key);

	for(int i = from; i < n; i++) {
		if(strncmp(w[i], key, k) == 0 && w[i][k] == '=')
			return w[i] + k + 1;
	}
	return "";
}

static int flag(char **w, int n, int from, const char *name)
{
	for(int i = from; i < n; i++) {
		if(strcmp(w[i], name) == 0)
			return 1;
	}
	return 0;
}

static void format_action(const imcf_action_t *a, char *out, size_t len)
{
	int n = snprintf(out, len, "%s", imcf_action_name(a->type));

	if(a->idx >= 0)
		n += snprintf(out + n, len - n, " p%d", a->idx);
	if(a->code)
		n += snprintf(out + n, len - n, " %d", a->code);
	if(a->warn)
		snprintf(out + n, len - n, " %d", a->warn);
}

static void actions_done(runner_t *r)
{
	char buf[64];

	if(r->next_act < r->acts.n) {
		format_action(&r->acts.a[r->next_act], buf, sizeof(buf));
		fail_at(r, "unexpected action '%s'", buf);
	}
	r->next_act = r->acts.n = 0;
}

static void session(runner_t *r, char **w, int n)
{
	imcf_type_t t = strcmp(w[1], "1-1") == 0 ? IMCF_ONE_ONE : IMCF_ADHOC;
	int max = atoi(opt(w, n, 2, "max")), room = atoi(opt(w, n, 2, "room"));

	/* room for max users unless told: the cases also run into the end of
	 * p[] (ASan sees a write past it) */
	if(!room)
		room = max;
	free(r->conf);
	memset(r->told, 0, sizeof(r->told));
	r->conf = malloc(imcf_conf_size(room));
	assert_non_null(r->conf);
	imcf_conf_init(r->conf, room, "c1", "sip:conf-c1@home1.net", t,
			atoi(opt(w, n, 2, "max")), atoi(opt(w, n, 2, "min")),
			atoi(opt(w, n, 2, "duration")), atol(opt(w, n, 2, "start")));
}

static void event(runner_t *r, char **w, int n, int expect_refused)
{
	static const char *names[] = {"create", "invite", "provisional", "answered",
			"failed", "bye", "remove", "ended", "rejoin", "tick", "terminate"};
	imcf_event_t ev = {0};
	int i, ret;

	for(i = 0; i < (int)(sizeof(names) / sizeof(names[0])); i++) {
		if(strcmp(w[1], names[i]) == 0)
			break;
	}
	if(i == (int)(sizeof(names) / sizeof(names[0]))) {
		fail_at(r, "unknown event %s", w[1]);
		return;
	}
	ev.type = (imcf_event_type_t)i;
	if(ev.type == IMCF_EV_CREATE || ev.type == IMCF_EV_INVITE
			|| ev.type == IMCF_EV_REJOIN) {
		ev.uri = n > 2 ? w[2] : "";
		ev.display = opt(w, n, 3, "display");
		ev.anonymous = flag(w, n, 3, "anon");
		ev.idx = *opt(w, n, 3, "by") ? atoi(opt(w, n, 3, "by")) : -1;
		ev.notify = flag(w, n, 3, "notify");
		ev.hide_inviter = flag(w, n, 3, "hidden");
	} else if(ev.type == IMCF_EV_TICK) {
		ev.now = n > 2 ? atol(w[2]) : 0;
	} else if(ev.type != IMCF_EV_TERMINATE) {
		ev.idx = n > 2 ? atoi(w[2]) : -1;
		ev.code = n > 3 ? atoi(w[3]) : 0;
	}
	ret = imcf_conf_apply(r->conf, &ev, &r->acts);
	if(ret != (expect_refused ? -1 : 0))
		fail_at(r, "event %s returned %d", w[1], ret);
}

static void expect_action(runner_t *r, char *line)
{
	char buf[64], *want = line + 1;

	while(*want == ' ')
		want++;
	want[strcspn(want, "\r\n")] = '\0';
	if(r->next_act >= r->acts.n) {
		fail_at(r, "expected action '%s', none left", want);
		return;
	}
	format_action(&r->acts.a[r->next_act++], buf, sizeof(buf));
	if(strcmp(buf, want) != 0)
		fail_at(r, "action '%s', expected '%s'", buf, want);
}

static void check_int(runner_t *r, const char *what, long got, long want)
{
	if(got != want)
		fail_at(r, "%s is %ld, expected %ld", what, got, want);
}

static void check_str(
		runner_t *r, const char *what, const char *got, const char *want)
{
	if(strcmp(got, want) != 0)
		fail_at(r, "%s is '%s', expected '%s'", what, got, want);
}

static void expect_state(runner_t *r, char **w, int n)
{
	const imcf_conf_t *c = r->conf;
	int i = n > 2 ? atoi(w[2]) : 0;

	if(n < 3) {
		fail_at(r, "'=' needs a subject and a value");
		return;
	}
	if(strcmp(w[1], "version") == 0)
		check_int(r, "version", c->version, atol(w[2]));
	else if(strcmp(w[1], "released") == 0)
		check_int(r, "released", c->released, strcmp(w[2], "yes") == 0);
	else if(strcmp(w[1], "active") == 0)
		check_int(r, "active", imcf_conf_active(c), atoi(w[2]));
	else if(strcmp(w[1], "n") == 0)
		check_int(r, "n", c->n, atoi(w[2]));
	else if(strcmp(w[1], "find") == 0 && n >= 4)
		check_int(r, "found", imcf_conf_find(c, w[2]), atoi(w[3]));
	else if(i < 0 || i >= c->n || n < 4)
		fail_at(r, "no participant %d", i);
	else if(strcmp(w[1], "state") == 0)
		check_str(r, "state", imcf_pstate_name(c->p[i].state), w[3]);
	else if(strcmp(w[1], "disc") == 0)
		check_str(r, "disconnection", imcf_disc_name(c->p[i].disconnection),
				w[3]);
	else if(strcmp(w[1], "join") == 0)
		check_str(r, "joining", imcf_join_name(c->p[i].joining), w[3]);
	else if(strcmp(w[1], "hidden") == 0)
		check_int(r, "inviter hidden", c->p[i].inviter_hidden, atoi(w[3]));
	else if(strcmp(w[1], "alias") == 0) {
		const imcf_participant_t *p = &c->p[i];

		check_str(r, "alias display", p->alias_uri[0] ? p->alias_display : "-",
				w[3]);
		check_str(r, "alias uri", p->alias_uri[0] ? p->alias_uri : "-",
				n > 4 ? w[4] : "");
	} else
		fail_at(r, "unknown check %s", w[1]);
}

static void verdict_text(const imcf_verdict_t *v, char *got, size_t len)
{
	if(!v->code)
		snprintf(got, len, "0");
	else if(v->warn)
		snprintf(got, len, "%d %s / %d %s", v->code, v->reason, v->warn,
				v->warn_text);
	else
		snprintf(got, len, "%d %s", v->code, v->reason);
}

static imcf_list_status_t list_status(const char *name)
{
	static const char *lists[] = {
			"ok", "missing", "malformed", "empty", "too-many"};

	for(int i = 0; i < 5; i++) {
		if(strcmp(name, lists[i]) == 0)
			return (imcf_list_status_t)i;
	}
	return IMCF_LIST_OK;
}

/* "? pager enabled= asked= unknown= auth= anon= allow_anon= list= n=
 * payload= size= max= max_size= -> verdict" (PM-1) */
static void pager_query(char **w, int arrow, char *got, size_t len)
{
	imcf_pager_req_t q = {atoi(opt(w, arrow, 2, "asked")),
			atoi(opt(w, arrow, 2, "unknown")), atoi(opt(w, arrow, 2, "auth")),
			atoi(opt(w, arrow, 2, "anon")),
			list_status(opt(w, arrow, 2, "list")), atoi(opt(w, arrow, 2, "n")),
			atoi(opt(w, arrow, 2, "payload")),
			(size_t)atoi(opt(w, arrow, 2, "size"))};
	imcf_pager_limits_t l = {atoi(opt(w, arrow, 2, "enabled")),
			atoi(opt(w, arrow, 2, "allow_anon")), atoi(opt(w, arrow, 2, "max")),
			(size_t)atoi(opt(w, arrow, 2, "max_size"))};
	imcf_verdict_t v;

	imcf_check_pager(&q, &l, &v);
	verdict_text(&v, got, len);
}

/* "? cpim-imdn HEADERS -> id|datetime|disposition|from": HEADERS with
 * '~' for CRLF and '_' for a space */
static void cpim_query(const char *in, char *got, size_t len)
{
	char body[512];
	size_t n = 0;
	im_cpim_imdn_t c;

	for(; *in && n + 2 < sizeof(body); in++) {
		if(*in == '~') {
			body[n++] = '\r';
			body[n++] = '\n';
		} else
			body[n++] = *in == '_' ? ' ' : *in;
	}
	if(im_cpim_imdn(body, n, &c) < 0)
		snprintf(got, len, "incomplete");
	else
		snprintf(got, len, "%.100s|%.40s|%.100s|%.100s", c.message_id,
				c.datetime, c.disposition, c.from);
}

/* "? fn args -> result": the words after "->" joined by one space */
static void append(char *out, size_t len, const char *s)
{
	strncat(out, s, len - strlen(out) - 1);
}

/* The users of a conference-info document, as the ci query prints them. */
static void summarize(const char *doc, size_t len, char *out, size_t outlen)
{
	xmlDocPtr x = xmlReadMemory(doc, (int)len, NULL, NULL, XML_PARSE_NONET);
	xmlNodePtr root = x ? xmlDocGetRootElement(x) : NULL;
	xmlChar *st, *v;
	int first = 1;

	if(!root) {
		snprintf(out, outlen, "unreadable");
		return;
	}
	st = xmlGetProp(root, (const xmlChar *)"state");
	v = xmlGetProp(root, (const xmlChar *)"version");
	snprintf(out, outlen, "%s v%s:", (char *)st, (char *)v);
	xmlFree(st);
	xmlFree(v);
	for(xmlNodePtr us = root->children; us; us = us->next) {
		if(us->type != XML_ELEMENT_NODE || xmlStrcmp(us->name, BAD_CAST "users"))
			continue;
		for(xmlNodePtr u = us->children; u; u = u->next) {
			xmlChar *ent, *own, *text;

			if(u->type != XML_ELEMENT_NODE)
				continue;
			ent = xmlGetProp(u, BAD_CAST "entity");
			own = xmlGetProp(u, BAD_CAST "yourown");
			append(out, outlen, first ? " " : "; ");
			first = 0;
			append(out, outlen, (char *)ent);
			for(xmlNodePtr e = u->children; e; e = e->next) {
				if(e->type != XML_ELEMENT_NODE)
					continue;
				if(xmlStrcmp(e->name, BAD_CAST "endpoint"))
					continue;
				for(xmlNodePtr f = e->children; f; f = f->next) {
					if(f->type != XML_ELEMENT_NODE
							|| xmlStrcmp(f->name, BAD_CAST "status"))
						continue;
					text = xmlNodeGetContent(f);
					append(out, outlen, " ");
					append(out, outlen, (char *)text);
					xmlFree(text);
				}
			}
			if(own && !xmlStrcmp(own, BAD_CAST "true"))
				append(out, outlen, " own");
			for(xmlNodePtr e = u->children; e; e = e->next) {
				if(e->type == XML_ELEMENT_NODE
						&& !xmlStrcmp(e->name, BAD_CAST "display-text")) {
					text = xmlNodeGetContent(e);
					append(out, outlen, " ");
					append(out, outlen, (char *)text);
					xmlFree(text);
				}
			}
			xmlFree(ent);
			xmlFree(own);
		}
	}
	xmlFreeDoc(x);
}

/* ? ci SUBSCRIBER full|partial v=N */
static void query_ci(runner_t *r, char **w, int arrow, char *got, size_t len)
{
	char err[128], *doc = NULL;
	size_t dlen = 0;
	int ret;

	if(arrow < 4) {
		snprintf(got, len, "usage");
		return;
	}
	ret = imcf_ci_write(r->conf, w[2], strcmp(w[3], "full") == 0, r->told,
			(unsigned)atoi(opt(w, arrow, 4, "v")), &doc, &dlen, err,
			sizeof(err));
	if(ret < 0)
		snprintf(got, len, "error %s", err);
	else if(ret == 0)
		snprintf(got, len, "none");
	else
		summarize(doc, dlen, got, len);
	free(doc);
}

/* The words w[from..to) joined by sep, "(none)" standing for nothing and
 * "(tab)" for a tab. */
static void join_words(
		char **w, int from, int to, const char *sep, char *out, size_t len)
{
	out[0] = '\0';
	for(int i = from; i < to; i++) {
		if(strcmp(w[i], "(none)") == 0)
			continue;
		if(out[0])
			strncat(out, sep, len - strlen(out) - 1);
		strncat(out, strcmp(w[i], "(tab)") == 0 ? "\t" : w[i],
				len - strlen(out) - 1);
	}
}

/* "? wrapped OFFERED | WRAPPED | TYPES -> SELECTION": the inviter's
 * accept-wrapped-types, the invitee's accept-wrapped-types and
 * accept-types, "(none)" for an absent list. */
static void wrapped_query(char **w, int arrow, char *got, size_t len)
{
	char lists[3][256], out[768];
	int bar[2], nbar = 0, ret;

	for(int i = 2; i < arrow && nbar < 2; i++) {
		if(strcmp(w[i], "|") == 0)
			bar[nbar++] = i;
	}
	if(nbar < 2) {
		snprintf(got, len, "usage");
		return;
	}
	join_words(w, 2, bar[0], " ", lists[0], sizeof(lists[0]));
	join_words(w, bar[0] + 1, bar[1], " ", lists[1], sizeof(lists[1]));
	join_words(w, bar[1] + 1, arrow, " ", lists[2], sizeof(lists[2]));
	ret = imcf_wrapped_select(lists[0], strlen(lists[0]), lists[1],
			strlen(lists[1]), lists[2], strlen(lists[2]), out,
			strlen(lists[0]) + strlen(lists[1]) + strlen(lists[2]) + 2);
	snprintf(got, len, "%s", ret < 0 ? "overflow" : out);
}

/* "? sdp-wrapped LINE... with TYPES... -> LINE | LINE ...": the SDP of the
 * lines (CRLF-ended) with its accept-wrapped-types set to TYPES. */
static void sdp_wrapped_query(char **w, int arrow, char *got, size_t len)
{
	char sdp[512], types[256], out[768];
	int with = 0, ret;

	for(int i = 2; i < arrow && !with; i++) {
		if(strcmp(w[i], "with") == 0)
			with = i;
	}
	if(!with) {
		snprintf(got, len, "usage");
		return;
	}
	join_words(w, 2, with, "\r\n", sdp, sizeof(sdp) - 2);
	strcat(sdp, "\r\n");
	join_words(w, with + 1, arrow, " ", types, sizeof(types));
	ret = imcf_sdp_set_wrapped(sdp, strlen(sdp), types, strlen(types), out,
			strlen(sdp) + strlen(types) + 1);
	if(ret < 0) {
		snprintf(got, len, "none");
		return;
	}
	/* CRLF line ends read back as " | " */
	got[0] = '\0';
	for(char *l = strtok(out, "\r\n"); l; l = strtok(NULL, "\r\n")) {
		if(got[0])
			strncat(got, " | ", len - strlen(got) - 1);
		strncat(got, l, len - strlen(got) - 1);
	}
}

static void final_text(const imcf_final_t *x, char *out, size_t len)
{
	int k = snprintf(out, len, "%s %s p%d:", x->session, x->mid, x->sender);

	for(int i = 0; i < x->n && k < (int)len; i++) {
		k += snprintf(out + k, len - k, " p%d %d", x->r[i].idx, x->r[i].status);
		if(x->r[i].max_size && k < (int)len)
			k += snprintf(out + k, len - k, "/%llu", x->r[i].max_size);
	}
}

/* ? fr-event | fr-expire | fr-forget | fr-pending (see the top) */
static void query_final(runner_t *r, char **w, int arrow, char *got, size_t len)
{
	static imcf_final_t done, evicted;
	char reason[128], text[512];

	if(!r->fr) {
		r->fr = malloc(sizeof(*r->fr));
		assert_non_null(r->fr);
		imcf_final_init(r->fr);
	}
	if(strcmp(w[1], "fr-event") == 0 && arrow >= 6) {
		imcf_final_outcome_t o = {w[2], w[3], atoi(w[4]), atoi(w[5]), reason,
				*opt(w, arrow, 6, "by") ? atoi(opt(w, arrow, 6, "by")) : -1,
				strtoull(opt(w, arrow, 6, "t"), NULL, 10), 0, -1};
		imcf_final_result_t res;

		snprintf(reason, sizeof(reason), "%s", opt(w, arrow, 6, "reason"));
		for(char *c = reason; *c; c++)
			*c = *c == '_' ? ' ' : *c;
		res = imcf_final_event(r->fr, &o, &done, &evicted);
		got[0] = '\0';
		if(evicted.seq) {
			final_text(&evicted, text, sizeof(text));
			snprintf(got, len, "early %s; ", text);
		}
		if(res == IMCF_FINAL_DONE)
			final_text(&done, text, sizeof(text));
		else
			snprintf(text, sizeof(text), "%s",
					res == IMCF_FINAL_WAITING ? "waiting" : "ignored");
		append(got, len, text);
	} else if(strcmp(w[1], "fr-expire") == 0) {
		if(imcf_final_expire(r->fr, strtoull(opt(w, arrow, 2, "t"), NULL, 10),
				   strtoull(opt(w, arrow, 2, "timeout"), NULL, 10), &done))
			final_text(&done, got, len);
		else
			snprintf(got, len, "none");
	} else if(strcmp(w[1], "fr-forget") == 0 && arrow >= 3) {
		snprintf(got, len, "%d", imcf_final_forget(r->fr, w[2]));
	} else if(strcmp(w[1], "fr-pending") == 0) {
		snprintf(got, len, "%d", imcf_final_pending(r->fr));
	} else {
		snprintf(got, len, "usage");
	}
}

static void query(runner_t *r, char **w, int n)
{
	char got[1024] = "", want[1024] = "";
	int arrow = 0;

	for(int i = 0; i < n; i++) {
		if(strcmp(w[i], "->") == 0)
			arrow = i;
	}
	if(!arrow) {
		fail_at(r, "'?' needs '->'");
		return;
	}
	for(int i = arrow + 1; i < n; i++) {
		strcat(want, i > arrow + 1 ? " " : "");
		strcat(want, w[i]);
	}
	if(strcmp(w[1], "ident-make") == 0 || strcmp(w[1], "ident-parse") == 0) {
		imcf_ident_fmt_t f = {opt(w, arrow, 2, "prefix"),
				opt(w, arrow, 2, "param"), opt(w, arrow, 2, "node")};
		if(w[1][6] == 'm') {
			if(imcf_ident_make(&f, opt(w, arrow, 2, "id"),
					   opt(w, arrow, 2, "domain"), got, 64)
					< 0)
				snprintf(got, sizeof(got), "error");
		} else {
			const char *u = w[arrow - 1];
			char id[IMCF_ID_MAX], node[32];

			if(imcf_ident_parse(
					   &f, u, strlen(u), id, sizeof(id), node, sizeof(node)))
				snprintf(got, sizeof(got), "%s %s", id, node[0] ? node : "-");
			else
				snprintf(got, sizeof(got), "none");
		}
	} else if(strcmp(w[1], "leg-index") == 0 && arrow == 3) {
		/* the relay leg names of participants: "(none)" for NULL */
		const char *leg = strcmp(w[2], "(none)") == 0 ? NULL : w[2];
		char back[16];
		int i = imcf_leg_index(leg, IMCF_MAX_PARTICIPANTS);

		if(i >= 0)
			imcf_leg_name(i, back, sizeof(back));
		snprintf(got, sizeof(got), "%d%s%s", i, i >= 0 ? " " : "",
				i >= 0 ? back : "");
	} else if(strcmp(w[1], "id-make") == 0) {
		imcf_id_make(strtoull(opt(w, arrow, 2, "seq"), NULL, 0),
				(unsigned)strtoul(opt(w, arrow, 2, "rnd"), NULL, 0), got,
				sizeof(got));
	} else if(strcmp(w[1], "factory") == 0 || strcmp(w[1], "add") == 0) {
		imcf_limits_t l = {atoi(opt(w, arrow, 2, "allow_anon")),
				atoi(opt(w, arrow, 2, "max"))};
		imcf_factory_req_t q = {atoi(opt(w, arrow, 2, "auth")),
				atoi(opt(w, arrow, 2, "anon")),
				list_status(opt(w, arrow, 2, "list")),
				atoi(opt(w, arrow, 2, "n"))};
		imcf_verdict_t v;

		if(w[1][0] == 'f')
			imcf_check_factory(&q, &l, &v);
		else
			imcf_check_add(atoi(opt(w, arrow, 2, "active")),
					atoi(opt(w, arrow, 2, "new")), &l, &v);
		verdict_text(&v, got, sizeof(got));
	} else if(strcmp(w[1], "pager") == 0) {
		pager_query(w, arrow, got, sizeof(got));
	} else if(strcmp(w[1], "cpim-imdn") == 0) {
		cpim_query(w[2], got, sizeof(got));
	} else if(strcmp(w[1], "takes-cpim") == 0) {
		char types[256];

		/* the accept-types words between the name and "->" */
		join_words(w, 2, arrow, " ", types, sizeof(types));
		snprintf(got, sizeof(got), "%s",
				imcf_types_take_cpim(types, strlen(types)) ? "yes" : "no");
	} else if(strcmp(w[1], "takes-multipart") == 0) {
		char types[256];

		join_words(w, 2, arrow, " ", types, sizeof(types));
		snprintf(got, sizeof(got), "%s",
				imcf_types_take_multipart(types, strlen(types)) ? "yes" : "no");
	} else if(strcmp(w[1], "wrapped") == 0) {
		wrapped_query(w, arrow, got, sizeof(got));
	} else if(strcmp(w[1], "sdp-wrapped") == 0) {
		sdp_wrapped_query(w, arrow, got, sizeof(got));
	} else if(strcmp(w[1], "ci") == 0 && r->conf) {
		query_ci(r, w, arrow, got, sizeof(got));
	} else if(strncmp(w[1], "fr-", 3) == 0) {
		query_final(r, w, arrow, got, sizeof(got));
	} else {
		fail_at(r, "unknown query %s", w[1]);
		return;
	}
	check_str(r, w[1], got, want);
}

static void run_case(void **state)
{
	runner_t r = {.file = *state};
	char path[512], line[1024], copy[1024], *w[MAX_WORDS];
	FILE *f;
	int n;

	snprintf(path, sizeof(path), CASES "/%s", r.file);
	f = fopen(path, "r");
	assert_non_null(f);
	while(fgets(line, sizeof(line), f)) {
		r.line++;
		if(line[0] != '<')
			actions_done(&r);
		memcpy(copy, line, sizeof(copy));
		n = split(copy, w);
		if(!n || w[0][0] == '#')
			continue;
		if(!r.conf && (w[0][0] == '>' || w[0][0] == '=')) {
			fail_at(&r, "no session line before this one");
			continue;
		}
		if(strcmp(w[0], "session") == 0 && n >= 2)
			session(&r, w, n);
		else if((strcmp(w[0], ">") == 0 || strcmp(w[0], ">!") == 0) && n >= 2)
			event(&r, w, n, w[0][1] == '!');
		else if(line[0] == '<')
			expect_action(&r, line);
		else if(strcmp(w[0], "=") == 0)
			expect_state(&r, w, n);
		else if(strcmp(w[0], "?") == 0 && n >= 2)
			query(&r, w, n);
		else
			fail_at(&r, "cannot read this line");
	}
	actions_done(&r);
	free(r.conf);
	free(r.fr);
	fclose(f);
	assert_int_equal(r.failures, 0);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct CMUnitTest *)a)->name,
			((const struct CMUnitTest *)b)->name);
}

/* CF-16, CF-19 a: the originator of a full session (128) leaves; every
 * other participant gets its BYE, its leg removed and its "left", and the
 * session is released: no action is dropped for want of room. */
static void release_of_a_full_session(void **state)
{
	imcf_conf_t *c = malloc(imcf_conf_size(IMCF_MAX_PARTICIPANTS));
	imcf_actions_t *acts = malloc(sizeof(*acts));
	imcf_event_t ev = {.type = IMCF_EV_CREATE, .uri = "sip:u0@home1.net"};
	int byes = 0, removed = 0, left = 0, released = 0;
	char uri[64];

	(void)state;
	imcf_conf_init(c, IMCF_MAX_PARTICIPANTS, "c1", "sip:conf-c1@home1.net",
			IMCF_ADHOC, 0, 1, 0, 0);
	acts->n = 0;
	assert_int_equal(imcf_conf_apply(c, &ev, acts), 0);
	for(int i = 1; i < IMCF_MAX_PARTICIPANTS; i++) {
		snprintf(uri, sizeof(uri), "sip:u%d@home1.net", i);
		ev = (imcf_event_t){.type = IMCF_EV_INVITE, .idx = -1, .uri = uri};
		acts->n = 0;
		assert_int_equal(imcf_conf_apply(c, &ev, acts), 0);
	}
	for(int i = 1; i < IMCF_MAX_PARTICIPANTS; i++) {
		ev = (imcf_event_t){.type = IMCF_EV_ANSWERED, .idx = i};
		acts->n = 0;
		assert_int_equal(imcf_conf_apply(c, &ev, acts), 0);
	}
	ev = (imcf_event_t){.type = IMCF_EV_BYE, .idx = 0};
	acts->n = 0;
	assert_int_equal(imcf_conf_apply(c, &ev, acts), 0);
	for(int k = 0; k < acts->n; k++) {
		byes += acts->a[k].type == IMCF_A_BYE;
		removed += acts->a[k].type == IMCF_A_REMOVE_LEG && acts->a[k].idx > 0;
		left += acts->a[k].type == IMCF_A_LEFT && acts->a[k].idx > 0;
		released += acts->a[k].type == IMCF_A_RELEASE;
	}
	assert_int_equal(byes, IMCF_MAX_PARTICIPANTS - 1);
	assert_int_equal(removed, IMCF_MAX_PARTICIPANTS - 1);
	assert_int_equal(left, IMCF_MAX_PARTICIPANTS - 1);
	assert_int_equal(released, 1);
	free(acts);
	free(c);
}

int main(void)
{
	struct CMUnitTest tests[64];
	char names[64][256];
	size_t n = 0;
	DIR *d = opendir(CASES);
	struct dirent *e;

	if(!d) {
		perror(CASES);
		return 1;
	}
	while((e = readdir(d)) && n < 63) {
		size_t len = strlen(e->d_name);

		if(len < 5 || strcmp(e->d_name + len - 4, ".txt") != 0)
			continue;
		snprintf(names[n], sizeof(names[n]), "%s", e->d_name);
		tests[n] =
				(struct CMUnitTest){names[n], run_case, NULL, NULL, names[n]};
		n++;
	}
	closedir(d);
	qsort(tests, n, sizeof(tests[0]), by_name);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(release_of_a_full_session);
	return _cmocka_run_group_tests("im_cf", tests, n, NULL, NULL);
}
