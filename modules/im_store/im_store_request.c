#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/dprint.h"
#include "core/parser/parse_content.h"
#include "core/parser/parse_from.h"
#include "core/parser/parse_ppi_pai.h"
#include "core/parser/parse_uri.h"
#include "core/forward.h"
#include "core/trim.h"

#include "im_hdr_removed.h"
#include "im_rlist.h"

#include "im_store_db.h"
#include "im_store_defer.h"
#include "im_store_large.h"
#include "im_store_request.h"
#include "im_store_sip.h"

int imst_originator(struct sip_msg *msg, char *aor, int len)
{
	str uri;
	struct sip_uri u;

	if(parse_headers(msg, HDR_EOH_F, 0) < 0)
		return -1;
	/* a PAI the script removed (a user's own, RFC 3325) asserts nothing:
	 * the From his credentials were checked against is who he is */
	if(msg->pai && !im_hdr_removed(msg, msg->pai) && parse_pai_header(msg) == 0
			&& get_pai(msg) && get_pai(msg)->id)
		uri = get_pai(msg)->id->uri;
	else if(parse_from_header(msg) == 0)
		uri = get_from(msg)->uri;
	else
		return -1;
	if(imst_aor(&uri, aor, len) < 0
			|| parse_uri(uri.s, uri.len, &u) < 0)
		return -1;
	return check_self(&u.host, 0, 0) == 1 ? 0 : 1;
}

int imst_message_token(const str *uri, char *token)
{
	struct sip_uri u;

	if(parse_uri(uri->s, uri->len, &u) < 0 || u.user.len != IMST_TOKEN_LEN)
		return -1;
	for(int i = 0; i < IMST_TOKEN_LEN; i++)
		if(!strchr("0123456789abcdef", u.user.s[i]))
			return -1;
	memcpy(token, u.user.s, IMST_TOKEN_LEN);
	token[IMST_TOKEN_LEN] = '\0';
	return 0;
}

int imst_list_tokens(const str *xml, char tokens[][IMST_TOKEN_LEN + 1],
		int *n, char *err, int errlen)
{
	im_rlist_t rl;
	char why[IM_RLIST_ERR_LEN];

	*n = 0;
	if(im_rlist_parse(xml->s, xml->len, IMST_PICK_MAX, &rl, why, sizeof(why))
			!= IM_RLIST_OK) {
		snprintf(err, errlen, "%s", why);
		im_rlist_free(&rl);
		return -1;
	}
	for(size_t i = 0; i < rl.count; i++) {
		str uri = {rl.entries[i].uri, strlen(rl.entries[i].uri)};

		if(imst_message_token(&uri, tokens[*n]) == 0)
			(*n)++;
	}
	im_rlist_free(&rl);
	return 0;
}

static int found(const imst_row_t *r, void *arg)
{
	*(int *)arg = !imst_large_receiving(&r->token);
	return *(int *)arg;
}

int imst_has_message(const str *owner, const char *token)
{
	str t = {(char *)token, IMST_TOKEN_LEN};
	/* a few rows tell, however many are stored: past those still being
	 * received here, the next one */
	imst_sel_t sel = {.recipient = owner,
			.token = token ? &t : NULL,
			.alive_at = time(NULL),
			.limit = IMST_LARGE_MAX + 1};
	int has = 0, n = imst_db_select(&sel, found, &has);

	return n < 0 ? -1 : has;
}
