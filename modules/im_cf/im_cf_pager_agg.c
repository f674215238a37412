/*
 * The notifications of group MESSAGEs (OMA TS 8.3.1.2-8.3.1.4, PM-3..PM-5,
 * RFC 5438 section 8.3). A group message whose CPIM wrapper asks for
 * disposition notifications starts Ts2: until it expires, or until every
 * recipient has a notification, the IMDNs the recipients send back to the
 * sender and the failure IMDNs we write for the recipients whose MESSAGE
 * failed are kept here; then the sender gets them in one MESSAGE (a
 * multipart/mixed of the message/imdn+xml documents in a CPIM wrapper,
 * Content-Disposition: notification). Once Ts2 has expired IMDNs pass to
 * the sender as they come, and a failure IMDN is sent at once.
 *
 * One shm list under one lock: a group message lives while Ts2 runs or a
 * fan-out transaction is pending (reference counted).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/dprint.h"
#include "core/locking.h"
#include "core/mem/shm_mem.h"
#include "core/parser/parse_content.h"
#include "core/parser/parse_to.h"
#include "core/pt.h"
#include "core/rpc_lookup.h"

#include "im_imdn.h"
#include "im_kbuf.h"
#include "im_rpc_args.h"

#include "im_cf.h"
#include "im_cf_conf.h"
#include "im_cf_pager_agg.h"
#include "im_cf_pager_send.h"
#include "im_random.h"

#define NOTES_MAX (2 * IMCF_MAX_PARTICIPANTS)

struct imcf_pager_job
{
	struct imcf_pager_job *next;
	int refs;
	unsigned int id;
	unsigned dn;
	int recipients, answered, failed;
	int ts2; /* running */
	time_t ts2_end;
	char sender[IMCF_URI_MAX], factory[IMCF_URI_MAX];
	char message_id[128], datetime[64];
	int n_notes;
	str notes[NOTES_MAX]; /* message/imdn+xml documents (shm) */
};

typedef struct pager_shared
{
	gen_lock_t lock;
	imcf_pager_job_t *jobs;
	unsigned int next_id;
	unsigned long accepted, sent, failed, imdn_stored, aggregated;
} pager_shared_t;

static pager_shared_t *ps;

int imcf_pager_ts2 = 30;

void imcf_pager_destroy(void)
{
	if(ps) {
		shm_free(ps);
		ps = NULL;
	}
}

imcf_pager_job_t *imcf_pager_job_new(const str *sender, const str *factory,
		const char *message_id, const char *datetime, unsigned dn, int n)
{
	imcf_pager_job_t *j = shm_malloc(sizeof(*j));

	if(!j) {
		SHM_MEM_ERROR;
		return NULL;
	}
	memset(j, 0, sizeof(*j));
	j->refs = 1;
	j->dn = dn;
	j->recipients = n;
	snprintf(j->sender, sizeof(j->sender), "%.*s", sender->len, sender->s);
	snprintf(j->factory, sizeof(j->factory), "%.*s", factory->len, factory->s);
	snprintf(j->message_id, sizeof(j->message_id), "%s", message_id);
	snprintf(j->datetime, sizeof(j->datetime), "%s", datetime);
	lock_get(&ps->lock);
	j->id = ++ps->next_id;
	if(dn) {
		/* PM-1 step 9: Ts2 holds its own reference until it stops */
		j->ts2 = 1;
		j->ts2_end = time(NULL) + imcf_pager_ts2;
		j->refs++;
	}
	j->next = ps->jobs;
	ps->jobs = j;
	ps->accepted++;
	lock_release(&ps->lock);
	return j;
}

void imcf_pager_job_ref(imcf_pager_job_t *j)
{
	lock_get(&ps->lock);
	j->refs++;
	lock_release(&ps->lock);
}

static void free_notes(str *notes, int n)
{
	for(int i = 0; i < n; i++)
		shm_free(notes[i].s);
}

void imcf_pager_job_put(imcf_pager_job_t *j)
{
	imcf_pager_job_t **pp;

	lock_get(&ps->lock);
	if(--j->refs > 0) {
		lock_release(&ps->lock);
		return;
	}
	for(pp = &ps->jobs; *pp; pp = &(*pp)->next) {
		if(*pp == j) {
			*pp = j->next;
			break;
		}
	}
	lock_release(&ps->lock);
	free_notes(j->notes, j->n_notes);
	shm_free(j);
}

void imcf_pager_count_accepted(int recipients)
{
	lock_get(&ps->lock);
	ps->sent += recipients;
	lock_release(&ps->lock);
}

/* The IMDNs of j to its sender in one MESSAGE (RFC 5438 8.3): the
 * document itself when there is one, a multipart/mixed of them else. */
static void send_notes(const char *sender, const char *factory, str *notes,
		int n)
{
	im_kbuf_t b = {0}, h = {0};
	char mid[48], when[32], boundary[64];
	time_t now = time(NULL);
	struct tm tmv;
	str ruri = {(char *)sender, strlen(sender)};
	str from = {(char *)factory, strlen(factory)};
	str ct = str_init("message/cpim"), body, hs;

	if(!n)
		return;
	snprintf(mid, sizeof(mid), "imcf%x%08x", (unsigned)my_pid(), im_random32());
	snprintf(boundary, sizeof(boundary), "imdn-%s", mid);
	gmtime_r(&now, &tmv);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tmv);
	im_kbuf_addf(&b,
			"From: <%s>\r\nTo: <%s>\r\nNS: imdn <urn:ietf:params:imdn>\r\n"
			"imdn.Message-ID: %s\r\nDateTime: %s\r\n\r\n",
			factory, sender, mid, when);
	if(n == 1) {
		im_kbuf_addf(&b,
				"Content-Type: " IM_IMDN_TYPE
				"\r\nContent-Disposition: notification\r\n"
				"Content-Length: %d\r\n\r\n",
				notes[0].len);
		im_kbuf_adds(&b, &notes[0]);
	} else {
		im_kbuf_addf(&b,
				"Content-Type: multipart/mixed;boundary=\"%s\"\r\n"
				"Content-Disposition: notification\r\n\r\n",
				boundary);
		for(int i = 0; i < n; i++) {
			im_kbuf_addf(&b, "--%s\r\nContent-Type: " IM_IMDN_TYPE "\r\n\r\n",
					boundary);
			im_kbuf_adds(&b, &notes[i]);
			im_kbuf_addf(&b, "\r\n");
		}
		im_kbuf_addf(&b, "--%s--\r\n", boundary);
	}
	im_kbuf_addf(&h, "P-Asserted-Identity: <%s>\r\n", factory);
	body = im_kbuf_str(&b);
	hs = im_kbuf_str(&h);
	if(!body.len || !hs.len
			|| imcf_pager_send(&ruri, &from, NULL, &hs, &ct, &body, NULL, NULL)
					   < 0)
		LM_ERR("cannot send %d IMDNs to %s\n", n, sender);
	im_kbuf_free(&b);
	im_kbuf_free(&h);
	lock_get(&ps->lock);
	ps->aggregated++;
	lock_release(&ps->lock);
}

/* Under the lock: Ts2 of j stops, its notes move to out (caller sends and
 * frees them, then drops the Ts2 reference). */
static int stop_ts2(imcf_pager_job_t *j, str *out)
{
	int n = j->n_notes;

	memcpy(out, j->notes, n * sizeof(str));
	j->n_notes = 0;
	j->ts2 = 0;
	return n;
}

/* Under the lock: keeps doc for j; 1 when Ts2 stops now (every recipient
 * has a notification), its notes moved to out with *n. */
static int keep_note(imcf_pager_job_t *j, const char *doc, size_t len,
		str *out, int *n)
{
	str *s;

	if(j->n_notes >= NOTES_MAX)
		return 0;
	s = &j->notes[j->n_notes];
	s->s = shm_malloc(len + 1);
	if(!s->s) {
		SHM_MEM_ERROR;
		return 0;
	}
	memcpy(s->s, doc, len);
	s->s[len] = '\0';
	s->len = (int)len;
	j->n_notes++;
	ps->imdn_stored++;
	if(j->n_notes < j->recipients)
		return 0;
	*n = stop_ts2(j, out);
	return 1;
}

/* After keep_note said Ts2 stopped: send, free, drop Ts2's reference. */
static void flush(imcf_pager_job_t *j, str *notes, int n)
{
	send_notes(j->sender, j->factory, notes, n);
	free_notes(notes, n);
	imcf_pager_job_put(j);
}

/* PM-5: the failure IMDN for recipient. */
static int failure_doc(
		imcf_pager_job_t *j, const char *recipient, char **doc, size_t *len)
{
	char err[IM_IMDN_ERR_LEN];
	im_imdn_t d;

	memset(&d, 0, sizeof(d));
	d.message_id = j->message_id;
	d.datetime = j->datetime[0] ? j->datetime : "1970-01-01T00:00:00Z";
	d.recipient_uri = (char *)recipient;
	d.original_recipient_uri = (char *)recipient;
	d.kind = IM_IMDN_DELIVERY;
	d.status = IM_IMDN_FAILED;
	if(im_imdn_write(&d, doc, len, err, sizeof(err)) < 0) {
		LM_ERR("no failure IMDN for %s: %s\n", recipient, err);
		return -1;
	}
	return 0;
}

void imcf_pager_job_result(imcf_pager_job_t *j, const char *recipient, int code)
{
	str out[NOTES_MAX];
	char *doc = NULL;
	size_t len = 0;
	int n = 0, stopped = 0, ts2;

	lock_get(&ps->lock);
	j->answered++;
	if(code >= 300) {
		j->failed++;
		ps->failed++;
	}
	lock_release(&ps->lock);
	if(code < 300 || !(j->dn & IM_DN_NEGATIVE_DELIVERY))
		return;
	LM_INFO("group message %u: %s failed with %d\n", j->id, recipient, code);
	if(failure_doc(j, recipient, &doc, &len) < 0)
		return;
	lock_get(&ps->lock);
	ts2 = j->ts2;
	if(ts2)
		stopped = keep_note(j, doc, len, out, &n);
	lock_release(&ps->lock);
	if(!ts2) {
		/* 8.3.1.4 step 2: Ts2 has expired, the IMDN goes at once */
		str one = {doc, (int)len};

		send_notes(j->sender, j->factory, &one, 1);
	} else if(stopped) {
		flush(j, out, n);
	}
	free(doc);
}

static int mentions(const char *p, size_t n, const char *what)
{
	size_t w = strlen(what);

	for(size_t i = 0; i + w <= n; i++) {
		if(strncasecmp(p + i, what, w) == 0)
			return 1;
	}
	return 0;
}

/* The message/imdn+xml document of an IMDN MESSAGE: its body, or the
 * content of its CPIM wrapper. */
static int imdn_doc(struct sip_msg *msg, str *doc)
{
	str ct, body;
	char *p, *end;

	if(!msg->content_type)
		return -1;
	ct = msg->content_type->body;
	body.s = get_body(msg);
	if(!body.s)
		return -1;
	body.len = (int)(msg->buf + msg->len - body.s);
	if(msg->content_length && get_content_length(msg) < body.len)
		body.len = get_content_length(msg);
	if(ct.len >= 16 && strncasecmp(ct.s, IM_IMDN_TYPE, 16) == 0) {
		*doc = body;
		return 0;
	}
	if(ct.len < 12 || strncasecmp(ct.s, "message/cpim", 12) != 0)
		return -1;
	/* the CPIM message headers, then the MIME headers, each ending in a
	 * blank line */
	p = body.s;
	end = body.s + body.len;
	for(int blank = 0; blank < 2; blank++) {
		char *q = NULL;

		for(char *s = p; s + 1 < end; s++) {
			if(s[0] == '\n'
					&& (s[1] == '\n'
							|| (s[1] == '\r' && s + 2 < end && s[2] == '\n'))) {
				q = s + (s[1] == '\n' ? 2 : 3);
				break;
			}
		}
		if(!q)
			return -1;
		if(blank == 1 && !mentions(p, q - p, IM_IMDN_TYPE))
			return -1;
		p = q;
	}
	doc->s = p;
	doc->len = (int)(end - p);
	return 0;
}

int imcf_pager_imdn(struct sip_msg *msg)
{
	str doc, out[NOTES_MAX];
	im_imdn_t d;
	imcf_pager_job_t *j;
	char err[IM_IMDN_ERR_LEN];
	int n = 0, stopped = 0;

	if(msg->REQ_METHOD != METHOD_MESSAGE || !ps || !ps->jobs
			|| parse_headers(msg, HDR_EOH_F, 0) < 0 || imdn_doc(msg, &doc) < 0)
		return 0;
	if(im_imdn_parse(doc.s, (size_t)doc.len, &d, err, sizeof(err)) < 0) {
		LM_INFO("an IMDN we cannot read passes: %s\n", err);
		return 0;
	}
	lock_get(&ps->lock);
	for(j = ps->jobs; j; j = j->next) {
		if(j->ts2 && strcmp(j->message_id, d.message_id) == 0)
			break;
	}
	if(j) {
		j->refs++;
		stopped = keep_note(j, doc.s, (size_t)doc.len, out, &n);
	}
	lock_release(&ps->lock);
	im_imdn_free(&d);
	if(!j)
		return 0; /* PM-3 step 1: no Ts2 running, it goes on */
	if(stopped)
		flush(j, out, n);
	imcf_pager_job_put(j);
	if(imcf_ua.reply(msg, 200, &(str)str_init("OK"), NULL, NULL, NULL) < 0)
		LM_ERR("cannot answer an IMDN\n");
	return 1;
}

void imcf_pager_tick(unsigned int ticks, void *param)
{
	str out[NOTES_MAX];
	imcf_pager_job_t *j;
	time_t now = time(NULL);
	int n;

	(void)ticks;
	(void)param;
	if(!ps)
		return;
	for(;;) {
		lock_get(&ps->lock);
		for(j = ps->jobs; j; j = j->next) {
			if(j->ts2 && now >= j->ts2_end)
				break;
		}
		if(!j) {
			lock_release(&ps->lock);
			return;
		}
		/* PM-4: aggregate what came; Ts2 is not restarted */
		n = stop_ts2(j, out);
		lock_release(&ps->lock);
		LM_INFO("group message %u: Ts2 expired, %d IMDNs to %s\n", j->id, n,
				j->sender);
		flush(j, out, n);
	}
}

void imcf_pager_stats_add(rpc_t *rpc, void *th)
{
	unsigned long st[5];

	lock_get(&ps->lock);
	st[0] = ps->accepted;
	st[1] = ps->sent;
	st[2] = ps->failed;
	st[3] = ps->imdn_stored;
	st[4] = ps->aggregated;
	lock_release(&ps->lock);
	rpc->struct_add(th, "ddddd", "pager_messages", (int)st[0],
			"pager_sent", (int)st[1], "pager_failed", (int)st[2],
			"pager_imdns_kept", (int)st[3], "pager_imdns_sent", (int)st[4]);
}

static void rpc_pager(rpc_t *rpc, void *ctx)
{
	imcf_pager_job_t *j;
	void *th;
	time_t now = time(NULL);

	if(im_rpc_none(rpc, ctx) < 0)
		return;
	/* a snapshot under the lock: the RPC output is small */
	lock_get(&ps->lock);
	for(j = ps->jobs; j; j = j->next) {
		if(rpc->add(ctx, "{", &th) < 0)
			break;
		rpc->struct_add(th, "dssdddd", "id", (int)j->id, "sender", j->sender,
				"message_id", j->message_id, "recipients", j->recipients,
				"answered", j->answered, "imdns_kept", j->n_notes,
				"ts2_left", j->ts2 ? (int)(j->ts2_end - now) : -1);
	}
	lock_release(&ps->lock);
}

static const char *rpc_pager_doc[] = {
		"The group MESSAGEs not done with (PM-1..PM-5): id, sender, "
		"Message-ID, recipients, final answers so far, IMDNs kept for the "
		"aggregation, seconds of Ts2 left (-1: not running).",
		0};

static rpc_export_t pager_rpc[] = {
		{"im_cf.pager", rpc_pager, rpc_pager_doc, RET_ARRAY}, {0, 0, 0, 0}};

int imcf_pager_agg_init(void)
{
	ps = shm_malloc(sizeof(*ps));
	if(!ps) {
		SHM_MEM_ERROR;
		return -1;
	}
	memset(ps, 0, sizeof(*ps));
	lock_init(&ps->lock);
	if(rpc_register_array(pager_rpc) != 0) {
		LM_ERR("cannot register im_cf.pager\n");
		return -1;
	}
	return 0;
}
