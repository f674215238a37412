#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/dprint.h"
#include "core/mem/mem.h"
#include "core/parser/parse_from.h"
#include "core/parser/parse_ppi_pai.h"
#include "core/parser/parse_privacy.h"
#include "core/parser/parse_uri.h"
#include "core/pt.h"

#include "im_hdr_removed.h"
#include "im_shm_str.h"

#include "im_cf.h"
#include "im_cf_accept.h"
#include "im_cf_actions.h"
#include "im_cf_reply.h"
#include "im_cf_body.h"
#include "im_cf_dialog.h"
#include "im_cf_event.h"
#include "im_cf_factory.h"
#include "im_cf_large.h"
#include "im_cf_list.h"
#include "im_cf_policy.h"
#include "im_cf_refer.h"
#include "im_random.h"

/* The factory URIs, one per domain (pkg, set before the children fork). */
typedef struct factory
{
	str uri, user, host;
	struct factory *next;
} factory_t;

static factory_t *factories;

int imcf_factory_param(modparam_t type, void *val)
{
	struct sip_uri u;
	factory_t *f;
	int len = strlen((char *)val);

	(void)type;
	f = pkg_malloc(sizeof(*f) + len + 1);
	if(!f) {
		PKG_MEM_ERROR;
		return -1;
	}
	memset(f, 0, sizeof(*f));
	f->uri.s = (char *)(f + 1);
	memcpy(f->uri.s, val, len + 1);
	f->uri.len = len;
	if(parse_uri(f->uri.s, len, &u) < 0 || !u.user.len || !u.host.len) {
		LM_ERR("factory %s is not a SIP URI with a user part\n", (char *)val);
		pkg_free(f);
		return -1;
	}
	f->user = u.user;
	f->host = u.host;
	f->next = factories;
	factories = f;
	return 0;
}

int imcf_factory_count(void)
{
	int n = 0;

	for(factory_t *f = factories; f; f = f->next)
		n++;
	return n;
}

static int str_eq(const str *a, const str *b, int nocase)
{
	if(a->len != b->len)
		return 0;
	return nocase ? strncasecmp(a->s, b->s, a->len) == 0
				  : strncmp(a->s, b->s, a->len) == 0;
}

int imcf_factory_match(struct sip_msg *msg, str *factory)
{
	if(parse_sip_msg_uri(msg) < 0)
		return 0;
	for(factory_t *f = factories; f; f = f->next) {
		if(str_eq(&msg->parsed_uri.user, &f->user, 0)
				&& str_eq(&msg->parsed_uri.host, &f->host, 1)) {
			*factory = f->uri;
			return 1;
		}
	}
	return 0;
}

/* A display name without the quotes of its quoted-string: the session
 * writes it into headers (quoted again) and shows it in RPC and events. */
static str unquoted(str d)
{
	if(d.len >= 2 && d.s[0] == '"' && d.s[d.len - 1] == '"') {
		d.s++;
		d.len -= 2;
	}
	return d;
}

/* C-1: the originator is the PAI its PF asserted, else its From. A PAI
 * the script removed (a user's own, RFC 3325; a group MESSAGE reaches us
 * in the request the user sent) asserts nothing. */
int imcf_originator(struct sip_msg *msg, str *uri, str *display)
{
	if(parse_headers(msg, HDR_EOH_F, 0) < 0)
		return -1;
	if(msg->pai && !im_hdr_removed(msg, msg->pai) && parse_pai_header(msg) == 0
			&& get_pai(msg) && get_pai(msg)->id) {
		*uri = get_pai(msg)->id->uri;
		*display = unquoted(get_pai(msg)->id->display);
		return 0;
	}
	if(parse_from_header(msg) < 0)
		return -1;
	*uri = get_from(msg)->uri;
	*display = unquoted(get_from(msg)->display);
	return 0;
}

int imcf_asks_anonymity(struct sip_msg *msg)
{
	return msg->privacy && parse_privacy(msg) >= 0
		   && (get_privacy_values(msg) & PRIVACY_ID);
}

/* An unguessable session id, unique on this node. */
static void new_id(char *id, int len)
{
	static unsigned int seq;

	imcf_id_make(((unsigned long long)my_pid() << 24) | (++seq & 0xffffff),
			im_random32(), id, len);
}

/* A C string copy of s (display names are not NUL-terminated). */
static void cpy(char *dst, int len, const str *s)
{
	snprintf(dst, len, "%.*s", s->len, s->s ? s->s : "");
}

static int refused(struct sip_msg *msg, int code, int warn)
{
	imcf_refuse(msg, code, warn);
	imcf_stats_inc(IMCF_STAT_REFUSED);
	return IMCF_REFUSED;
}

/* CF-2 step 7, CF-5, D-18: media that cannot carry message/cpim */
static int no_cpim(struct sip_msg *msg)
{
	LM_INFO("INVITE refused: 488, message/cpim not in its accept-types\n");
	imcf_refuse_text(msg, 488, IMCF_NO_CPIM);
	imcf_stats_inc(IMCF_STAT_REFUSED);
	return IMCF_REFUSED;
}

/* A session for the checked request: in the table, its relay conference
 * open. NULL: refused and answered. */
static imcf_session_t *create(struct sip_msg *msg, const str *factory,
		int n_invitees, const str *list_xml, const str *sdp)
{
	imcf_session_t *s;
	imr_session_opts_t opts;
	imr_err_t e;
	char id[IMCF_ID_MAX], identity[IMCF_URI_MAX], domain[128];
	char relay_id[IMR_SESSION_ID_MAX];
	int cap = IMCF_MAX_PARTICIPANTS;
	struct sip_uri u;

	/* room for the invited and those added later (CF-20 remembers
	 * them), within the cap */
	if(imcf_max_participants > 0 && 2 * imcf_max_participants < cap)
		cap = 2 * imcf_max_participants;
	if(cap < n_invitees + 1)
		cap = n_invitees + 1;
	new_id(id, sizeof(id));
	if(parse_uri(factory->s, factory->len, &u) < 0)
		return NULL;
	cpy(domain, sizeof(domain), &u.host);
	if(imcf_ident_make(&imcf_ident_fmt, id, domain, identity, sizeof(identity))
			< 0)
		return NULL;
	s = imcf_session_new(id, cap);
	if(!s)
		return NULL;
	imcf_session_lock(s);
	imcf_conf_init(&s->conf, cap, id, identity,
			n_invitees == 1 ? IMCF_ONE_ONE : IMCF_ADHOC, imcf_max_participants,
			imcf_min_remaining, imcf_max_duration, time(NULL));
	cpy(s->factory, sizeof(s->factory), factory);
	im_shm_str_set(&s->list, list_xml->s, list_xml->len);
	s->large_message = imcf_large_requested(msg);
	if(s->large_message)
		im_shm_str_set(&s->sender_offer, sdp->s, sdp->len);
	imcf_session_unlock(s);
	memset(&opts, 0, sizeof(opts));
	opts.identity.s = s->conf.identity;
	opts.identity.len = strlen(s->conf.identity);
	/* MS-6: a Large Message session only broadcasts */
	opts.private_messages = s->large_message ? 0 : imcf_private_messages;
	snprintf(relay_id, sizeof(relay_id), IMCF_RELAY_PREFIX "%s", id);
	if(imcf_relay.session_open(&s->relay, IMR_CONFERENCE, relay_id, &opts, &e)
			< 0) {
		LM_ERR("session %s: no relay conference: %s\n", id, e.text);
		imcf_refuse_text(msg, e.code == 503 ? 503 : 500, e.text);
		imcf_session_unlink(s);
		imcf_session_put(s);
		return NULL;
	}
	return s;
}

/* CF-2 steps 1-9 (step 1, an unknown factory, is the dispatcher's). */
static int setup(struct sip_msg *msg, const str *factory, imcf_list_t *list,
		const str *sdp, const str *list_xml)
{
	imcf_session_t *s;
	imcf_exec_t x = {.req = msg, .self = -1};
	imcf_event_t ev = {.type = IMCF_EV_CREATE};
	imcf_event_info_t info;
	char uri[IMCF_URI_MAX], display[IMCF_DISPLAY_MAX];
	str ouri, odn;
	int ret, has_dialog;

	if(imcf_originator(msg, &ouri, &odn) < 0)
		return refused(msg, 400, 0);
	s = create(msg, factory, list->n, list_xml, sdp);
	if(!s)
		return IMCF_REFUSED;
	cpy(uri, sizeof(uri), &ouri);
	cpy(display, sizeof(display), &odn);
	ev.uri = uri;
	ev.display = display;
	ev.anonymous = imcf_asks_anonymity(msg);
	imcf_session_event(s, &ev, &x);
	ret = imcf_dialog_originator(s, msg, sdp);
	if(ret != 1) {
		/* without a dialog no ended hook will come: release it here */
		imcf_session_lock(s);
		has_dialog = ret < 0 && s->conf.p[0].leg_key[0];
		imcf_session_unlock(s);
		if(!has_dialog)
			imcf_session_event(
					s, &(imcf_event_t){.type = IMCF_EV_TERMINATE}, NULL);
		imcf_session_put(s);
		return ret < 0 ? IMCF_REFUSED : IMCF_HANDLED;
	}
	memset(&info, 0, sizeof(info));
	info.id = s->conf.id;
	info.identity = s->conf.identity;
	info.uri = ev.anonymous ? "" : uri;
	info.participants = 1;
	imcf_event_run(IMCF_RT_CREATED, &info);
	for(int i = 0; i < list->n; i++) {
		imcf_event_t inv = {.type = IMCF_EV_INVITE,
				.idx = -1, /* the setup list, no referrer */
				.uri = list->e[i].uri,
				.display = list->e[i].display};

		imcf_exec_t xi = {.self = -1, .replaces = list->e[i].replaces};

		imcf_session_event(s, &inv, &xi);
		imcf_stats_inc(IMCF_STAT_INVITATIONS);
	}
	/* a list of the originator alone (or of its duplicates) invites
	 * nobody: nothing would ever answer it */
	imcf_session_lock(s);
	ret = 0;
	for(int i = 0; i < s->conf.n; i++)
		ret |= s->conf.p[i].joining == IMCF_DIALED_OUT;
	imcf_session_unlock(s);
	if(!ret)
		imcf_session_event(s, &(imcf_event_t){.type = IMCF_EV_TERMINATE}, NULL);
	imcf_session_put(s);
	return IMCF_HANDLED;
}

int imcf_factory_invite(struct sip_msg *msg, const str *factory)
{
	imcf_factory_req_t req = {1, 0, IMCF_LIST_MISSING, 0};
	imcf_limits_t lim = {imcf_allow_anonymity, imcf_max_participants};
	imcf_verdict_t v;
	imcf_list_t *list;
	str sdp, xml = STR_NULL;
	char err[128] = "";
	int ret;

	if(msg->REQ_METHOD != METHOD_INVITE)
		return refused(msg, 501, 0);
	ret = imcf_body_part(msg, IMCF_CT_SDP, &sdp);
	if(ret < 0)
		return refused(msg, 400, 0);
	if(ret > 0)
		return refused(msg, 488, 0);
	if(!imcf_sdp_takes_cpim(sdp.s, sdp.len))
		return no_cpim(msg);
	list = pkg_malloc(sizeof(*list));
	if(!list) {
		PKG_MEM_ERROR;
		return refused(msg, 500, 0);
	}
	list->n = 0;
	list->history.s = NULL;
	list->history.len = 0;
	if(imcf_body_part(msg, IMCF_CT_RLIST, &xml) == 0)
		req.list = imcf_list_parse(xml.s, xml.len, list, err, sizeof(err));
	req.n_entries = list->n;
	req.anonymous = imcf_asks_anonymity(msg);
	if(imcf_check_factory(&req, &lim, &v) < 0) {
		LM_INFO("factory INVITE refused: %d %s%s%s\n", v.code, v.reason,
				err[0] ? ": " : "", err);
		imcf_list_release(list);
		pkg_free(list);
		return refused(msg, v.code, v.warn);
	}
	/* NNI-16, NNI-17: the invitations carry the list as copy control
	 * allows (bcc left out, anonymized entries counted), not as received */
	ret = setup(msg, factory, list, &sdp, &list->history);
	imcf_list_release(list);
	pkg_free(list);
	return ret;
}

/* CF-7, CF-8 outside a dialog: the referrer must be a connected
 * participant (its asserted identity), the session known (403 + 122). */
static int refer_out_of_dialog(struct sip_msg *msg, imcf_session_t *s)
{
	imcf_verdict_t v;
	char uri[IMCF_URI_MAX];
	str ouri, odn, hdrs, reason;
	int i = -1, code;

	if(s && imcf_originator(msg, &ouri, &odn) == 0) {
		cpy(uri, sizeof(uri), &ouri);
		imcf_session_lock(s);
		i = imcf_conf_find(&s->conf, uri);
		if(i >= 0 && s->conf.p[i].state != IMCF_P_CONNECTED)
			i = -1;
		imcf_session_unlock(s);
	}
	if(!s) {
		if(imcf_refer_is_removal(msg))
			return refused(msg, 403, 122); /* CF-8 b */
		return refused(msg, 404, 0);	   /* OMA TS 11.2 */
	}
	if(i < 0) {
		imcf_session_put(s);
		return refused(msg, 403, 122);
	}
	code = imcf_refer(s, i, msg, 0, &hdrs);
	imcf_session_put(s);
	imcf_verdict_of(code, 0, &v);
	reason.s = (char *)(v.reason ? v.reason : "Refused");
	reason.len = strlen(reason.s);
	if(imcf_ua.reply(msg, code, &reason, hdrs.len ? &hdrs : NULL, NULL, NULL)
			< 0)
		LM_ERR("cannot answer the REFER\n");
	if(hdrs.s)
		pkg_free(hdrs.s);
	return code == 202 ? IMCF_HANDLED : IMCF_REFUSED;
}

int imcf_identity_request(struct sip_msg *msg, const char *id)
{
	imcf_session_t *s = imcf_session_get(id);
	imcf_exec_t x = {.req = msg, .self = -1};
	imcf_event_t ev = {.type = IMCF_EV_REJOIN};
	char uri[IMCF_URI_MAX], display[IMCF_DISPLAY_MAX];
	str ouri, odn, sdp;
	int ret;

	if(msg->REQ_METHOD == METHOD_REFER)
		return refer_out_of_dialog(msg, s);
	if(msg->REQ_METHOD != METHOD_INVITE) {
		/* MESSAGE (PM-1) to an identity is not served yet; an unknown
		 * session is 404 (SUBSCRIBE is im_cf_subscribe.c's) */
		if(s)
			imcf_session_put(s);
		return refused(msg, s ? 501 : 404, 0);
	}
	if(!s)
		return refused(msg, 403, 123); /* CF-5 */
	if(imcf_body_part(msg, IMCF_CT_SDP, &sdp) == 0
			&& !imcf_sdp_takes_cpim(sdp.s, sdp.len)) {
		imcf_session_put(s);
		return no_cpim(msg);
	}
	if(imcf_originator(msg, &ouri, &odn) < 0) {
		imcf_session_put(s);
		return refused(msg, 400, 0);
	}
	cpy(uri, sizeof(uri), &ouri);
	cpy(display, sizeof(display), &odn);
	ev.uri = uri;
	ev.display = display;
	ev.anonymous = imcf_asks_anonymity(msg);
	ret = imcf_session_event(s, &ev, &x);
	imcf_session_put(s);
	return ret < 0 ? IMCF_REFUSED : IMCF_HANDLED;
}
