#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/data_lump.h"
#include "core/dprint.h"
#include "core/ip_addr.h"
#include "core/mem/mem.h"
#include "core/parser/parse_from.h"
#include "core/script_cb.h"
#include "core/trim.h"

#include "im_hop.h"
#include "im_pf_hop.h"
#include "im_secret.h"

/* a marker older (or newer) than this is refused: the hop is a loopback
 * datagram, this leaves room for a busy server and clock steps */
#define IMPF_HOP_MAX_AGE 30
#define IMPF_HOP_SECRET_MAX 256

str impf_hop_secret_file = STR_NULL;

/* set in mod_init, inherited by every child */
static unsigned char hop_key[IMPF_HOP_SECRET_MAX];
static size_t hop_keylen;

/* the verdict on the request this process is running the script for */
static struct {
	unsigned int id;
	int pid;
	int valid;
} verdict;

static int load_secret(const char *path)
{
	/* the file is text for operators (openssl rand -hex 32): its first
	 * line, without the line end, is the key */
	char line[4096], why[1024];
	int n = im_secret_file_read(path, 077, line, sizeof(line), why,
			sizeof(why));

	if(n < 0) {
		LM_ERR("hop_secret_file %s\n", why);
		return -1;
	}
	if(n < IM_HOP_SECRET_MIN) {
		LM_ERR("hop_secret_file %s: at least %d bytes of secret needed\n",
				path, IM_HOP_SECRET_MIN);
		explicit_bzero(line, sizeof(line));
		return -1;
	}
	if((size_t)n > sizeof(hop_key))
		n = (int)sizeof(hop_key); /* HMAC keys hash down anyway */
	memcpy(hop_key, line, (size_t)n);
	explicit_bzero(line, sizeof(line));
	hop_keylen = (size_t)n;
	return 0;
}

static int make_secret(void)
{
	if(getrandom(hop_key, IM_HOP_SECRET_MIN, 0) != IM_HOP_SECRET_MIN) {
		LM_ERR("no random secret for the hop marker: %s\n", strerror(errno));
		return -1;
	}
	hop_keylen = IM_HOP_SECRET_MIN;
	LM_INFO("hop_secret_file not set: a fresh secret for this run (several "
			"servers of one domain need a shared file)\n");
	return 0;
}

static int is_marker(struct hdr_field *h)
{
	return h->name.len == (int)sizeof(IM_HOP_HEADER) - 1
		   && strncasecmp(h->name.s, IM_HOP_HEADER, h->name.len) == 0;
}

static int fields_of(struct sip_msg *msg, im_hop_fields_t *f)
{
	struct to_body *from;
	str callid;

	if(!msg->callid || parse_from_header(msg) < 0)
		return -1;
	from = get_from(msg);
	callid = msg->callid->body;
	trim(&callid);
	f->method.p = msg->first_line.u.request.method.s;
	f->method.len = (size_t)msg->first_line.u.request.method.len;
	/* tm copies the INVITE's marker into the CANCEL of it (and the ACK of
	 * a negative answer, tm ac_extra_hdrs): RFC 3261 9.1 gives these the
	 * INVITE's Request-URI, Call-ID and From, and they act on that INVITE
	 * alone, so they are judged as the INVITE was */
	if(msg->REQ_METHOD == METHOD_CANCEL || msg->REQ_METHOD == METHOD_ACK) {
		f->method.p = "INVITE";
		f->method.len = 6;
	}
	f->ruri.p = msg->first_line.u.request.uri.s;
	f->ruri.len = (size_t)msg->first_line.u.request.uri.len;
	f->call_id.p = callid.s;
	f->call_id.len = (size_t)callid.len;
	f->from_uri.p = from->uri.s;
	f->from_uri.len = (size_t)from->uri.len;
	f->from_tag.p = from->tag_value.s;
	f->from_tag.len = (size_t)from->tag_value.len;
	return 0;
}

/* Pre-script: judge the marker, then strip every X-IM-Hop header of the
 * request, valid or not. Always lets the request on (1). */
static int hop_edge(struct sip_msg *msg, unsigned int flags, void *param)
{
	struct hdr_field *marker = NULL;
	im_hop_fields_t f;
	im_hop_verdict_t v;
	int n = 0;

	(void)flags;
	(void)param;
	verdict.id = msg->id;
	verdict.pid = msg->pid;
	verdict.valid = 0;
	if(msg->first_line.type != SIP_REQUEST
			|| parse_headers(msg, HDR_EOH_F, 0) < 0)
		return 1;
	for(struct hdr_field *h = msg->headers; h; h = h->next) {
		if(h->type != HDR_OTHER_T || !is_marker(h))
			continue;
		marker = h;
		n++;
		if(!del_lump(msg, h->name.s - msg->buf, h->len, 0))
			LM_ERR("cannot remove X-IM-Hop\n");
	}
	if(!marker)
		return 1;
	if(n > 1) {
		LM_WARN("%.*s from %s:%d with %d X-IM-Hop headers: not trusted\n",
				msg->first_line.u.request.method.len,
				msg->first_line.u.request.method.s,
				ip_addr2a(&msg->rcv.src_ip), msg->rcv.src_port, n);
		return 1;
	}
	if(fields_of(msg, &f) < 0)
		return 1;
	v = im_hop_check(hop_key, hop_keylen, &f,
			(im_span_t){marker->body.s, (size_t)marker->body.len}, time(NULL),
			IMPF_HOP_MAX_AGE);
	if(v != IM_HOP_OK) {
		LM_WARN("%.*s from %s:%d: X-IM-Hop %s, removed; not trusted\n",
				msg->first_line.u.request.method.len,
				msg->first_line.u.request.method.s,
				ip_addr2a(&msg->rcv.src_ip), msg->rcv.src_port,
				im_hop_verdict_text(v));
		return 1;
	}
	verdict.valid = 1;
	return 1;
}

int impf_hop_init(void)
{
	if(impf_hop_secret_file.len) {
		if(load_secret(impf_hop_secret_file.s) < 0)
			return -1;
	} else if(make_secret() < 0) {
		return -1;
	}
	if(register_script_cb(hop_edge, PRE_SCRIPT_CB | REQUEST_CB, 0) < 0) {
		LM_ERR("cannot register the X-IM-Hop edge\n");
		return -1;
	}
	return 0;
}

int impf_hop_header(const imua_leg_id_t *id, str *hdrs)
{
	im_hop_fields_t f = {{id->method.s, (size_t)id->method.len},
			{id->ruri.s, (size_t)id->ruri.len},
			{id->call_id.s, (size_t)id->call_id.len},
			{id->from_uri.s, (size_t)id->from_uri.len},
			{id->from_tag.s, (size_t)id->from_tag.len}};
	char v[IM_HOP_VALUE_MAX];
	int n = im_hop_sign(hop_key, hop_keylen, &f, time(NULL), v, sizeof(v));

	if(n < 0) {
		LM_ERR("cannot sign the hop to ourselves\n");
		return -1;
	}
	hdrs->s = pkg_malloc(sizeof(IM_HOP_HEADER) + 2 + n + 3);
	if(!hdrs->s) {
		PKG_MEM_ERROR;
		return -1;
	}
	hdrs->len = sprintf(hdrs->s, IM_HOP_HEADER ": %s\r\n", v);
	return 0;
}

int impf_hop_signed(struct sip_msg *msg)
{
	return verdict.id == msg->id && verdict.pid == msg->pid && verdict.valid;
}
