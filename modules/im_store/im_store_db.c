#include <stdio.h>
#include <string.h>

#include "core/dprint.h"
#include "lib/srdb1/db.h"

#include "im_kbuf.h"

#include "im_store.h"
#include "im_store_db.h"

#define TABLE "im_store"

static db_func_t dbf;
static db1_con_t *con = NULL;

/* the columns, in imst_row_t's order */
static str cols_s[] = {str_init("token"), str_init("message_id"),
		str_init("recipient"), str_init("sender"), str_init("call_id"),
		str_init("received"), str_init("expires"), str_init("size"),
		str_init("kind"), str_init("imdn_message_id"),
		str_init("imdn_datetime"), str_init("imdn_from"), str_init("imdn_to"),
		str_init("request")};
enum
{
	C_TOKEN,
	C_MESSAGE_ID,
	C_RECIPIENT,
	C_SENDER,
	C_CALL_ID,
	C_RECEIVED,
	C_EXPIRES,
	C_SIZE,
	C_KIND,
	C_IMDN_ID,
	C_IMDN_DATETIME,
	C_IMDN_FROM,
	C_IMDN_TO,
	C_REQUEST,
	C_COUNT
};

int imst_db_init(void)
{
	if(!imst_db_url.len) {
		LM_ERR("db_url is not set\n");
		return -1;
	}
	if(db_bind_mod(&imst_db_url, &dbf) < 0) {
		LM_ERR("cannot bind the database module for %.*s\n", imst_db_url.len,
				imst_db_url.s);
		return -1;
	}
	if(!DB_CAPABILITY(dbf, DB_CAP_QUERY | DB_CAP_RAW_QUERY | DB_CAP_INSERT
								   | DB_CAP_UPDATE | DB_CAP_DELETE)) {
		LM_ERR("the database module cannot query (also raw), insert, "
			   "update and delete\n");
		return -1;
	}
	return 0;
}

void imst_db_close(void)
{
	if(con) {
		dbf.close(con);
		con = NULL;
	}
}

static int use(void)
{
	/* the driver keeps a pointer to the str, not a copy */
	static str table = str_init(TABLE);

	if(!con) {
		con = dbf.init(&imst_db_url);
		if(!con) {
			LM_ERR("cannot connect to the database\n");
			return -1;
		}
	}
	return dbf.use_table(con, &table);
}

static void set_str(db_val_t *v, const str *s, db_type_t type)
{
	memset(v, 0, sizeof(*v));
	VAL_TYPE(v) = type;
	if(type == DB1_BLOB)
		VAL_BLOB(v) = *s;
	else
		VAL_STR(v) = *s;
}

/* an empty str is NULL */
static void set_opt_str(db_val_t *v, const str *s)
{
	set_str(v, s, DB1_STR);
	VAL_NULL(v) = s->len == 0;
}

static void set_bigint(db_val_t *v, long long n)
{
	memset(v, 0, sizeof(*v));
	VAL_TYPE(v) = DB1_BIGINT;
	VAL_BIGINT(v) = n;
}

/* All columns of r into k/v, in cols_s's order. */
static void row_values(const imst_row_t *r, db_key_t *k, db_val_t *v)
{
	const str *strs[] = {&r->token, &r->message_id, &r->recipient, &r->sender,
			&r->call_id};
	const str *imdn[] = {&r->imdn_id, &r->imdn_datetime, &r->imdn_from,
			&r->imdn_to};

	for(int i = 0; i < C_COUNT; i++)
		k[i] = &cols_s[i];
	for(int i = C_TOKEN; i <= C_CALL_ID; i++)
		set_str(&v[i], strs[i], DB1_STR);
	set_bigint(&v[C_RECEIVED], r->received);
	set_bigint(&v[C_EXPIRES], r->expires);
	memset(&v[C_SIZE], 0, sizeof(v[C_SIZE]));
	VAL_TYPE(&v[C_SIZE]) = DB1_INT;
	VAL_INT(&v[C_SIZE]) = r->size;
	set_str(&v[C_KIND],
			r->kind.len ? &r->kind : &(str)str_init(IMST_KIND_MESSAGE),
			DB1_STR);
	for(int i = C_IMDN_ID; i <= C_IMDN_TO; i++)
		set_opt_str(&v[i], imdn[i - C_IMDN_ID]);
	set_str(&v[C_REQUEST], &r->request, DB1_BLOB);
}

/* r inserted, or (update) the row of its token given r's size, imdn_*
 * and request. 0, or -1. */
static int write_row(const imst_row_t *r, int update)
{
	db_key_t k[C_COUNT];
	db_val_t v[C_COUNT];
	int ret;

	if(use() < 0)
		return -1;
	row_values(r, k, v);
	if(!update)
		ret = dbf.insert(con, k, v, C_COUNT);
	else {
		/* C_SIZE moved into C_KIND's place: the columns set are those
		 * from there on */
		k[C_KIND] = k[C_SIZE];
		v[C_KIND] = v[C_SIZE];
		ret = dbf.update(con, &k[C_TOKEN], NULL, &v[C_TOKEN], &k[C_KIND],
				&v[C_KIND], 1, C_COUNT - C_KIND);
	}
	if(ret < 0) {
		LM_ERR("%s " TABLE " failed\n", update ? "update of" : "insert into");
		return -1;
	}
	return 0;
}

int imst_db_insert(const imst_row_t *r)
{
	return write_row(r, 0);
}

int imst_db_update(const imst_row_t *r)
{
	return write_row(r, 1);
}

static void get_str(db_val_t *v, str *out)
{
	*out = (str)STR_NULL;
	if(VAL_NULL(v))
		return;
	switch(VAL_TYPE(v)) {
		case DB1_STRING:
			out->s = (char *)VAL_STRING(v);
			out->len = out->s ? strlen(out->s) : 0;
			break;
		case DB1_STR:
			*out = VAL_STR(v);
			break;
		case DB1_BLOB:
			*out = VAL_BLOB(v);
			break;
		default:
			break;
	}
}

static long long get_int(db_val_t *v)
{
	if(VAL_NULL(v))
		return 0;
	switch(VAL_TYPE(v)) {
		case DB1_INT:
			return VAL_INT(v);
		case DB1_BIGINT:
			return VAL_BIGINT(v);
		case DB1_STRING:
			return VAL_STRING(v) ? atoll(VAL_STRING(v)) : 0;
		case DB1_STR:
			return VAL_STR(v).s ? atoll(VAL_STR(v).s) : 0;
		default:
			return 0;
	}
}

/* The WHERE of a selection: keys k/ops o/values v; returns how many. */
static int where(const imst_sel_t *sel, db_key_t *k, db_op_t *o, db_val_t *v)
{
	static str empty = str_init("");
	const str *eq[] = {sel->recipient, sel->token, sel->message_id};
	const int eq_col[] = {C_RECIPIENT, C_TOKEN, C_MESSAGE_ID};
	int n = 0;

	for(int i = 0; i < 3; i++) {
		if(!eq[i])
			continue;
		k[n] = &cols_s[eq_col[i]];
		o[n] = OP_EQ;
		set_str(&v[n++], eq[i], DB1_STR);
	}
	if(sel->alive_at) {
		k[n] = &cols_s[C_EXPIRES];
		o[n] = OP_GT;
		set_bigint(&v[n++], sel->alive_at);
	}
	if(sel->expired_at) {
		k[n] = &cols_s[C_EXPIRES];
		o[n] = OP_LEQ;
		set_bigint(&v[n++], sel->expired_at);
	}
	if(sel->with_imdn) {
		/* NULL <> '' is not true either */
		k[n] = &cols_s[C_IMDN_ID];
		o[n] = OP_NEQ;
		set_str(&v[n++], &empty, DB1_STR);
	}
	return n;
}

/* s as an SQL string literal, its quotes doubled (a SIP user part may
 * hold one); -1 for a NUL, which no literal carries. */
static int add_literal(im_kbuf_t *b, const str *s)
{
	im_kbuf_add(b, "'", 1);
	for(int i = 0; i < s->len; i++) {
		if(s->s[i] == '\0')
			return -1;
		im_kbuf_add(b, s->s[i] == '\'' ? "''" : &s->s[i], s->s[i] == '\'' ? 2 : 1);
	}
	im_kbuf_add(b, "'", 1);
	return b->failed ? -1 : 0;
}

/* The WHERE clause of sel, SQL text for a raw query. */
static int add_where(im_kbuf_t *b, const imst_sel_t *sel)
{
	im_kbuf_addf(b, " WHERE 1=1");
	if(sel->recipient) {
		im_kbuf_addf(b, " AND recipient=");
		if(add_literal(b, sel->recipient) < 0)
			return -1;
	}
	if(sel->token) {
		im_kbuf_addf(b, " AND token=");
		if(add_literal(b, sel->token) < 0)
			return -1;
	}
	if(sel->message_id) {
		im_kbuf_addf(b, " AND message_id=");
		if(add_literal(b, sel->message_id) < 0)
			return -1;
	}
	if(sel->alive_at)
		im_kbuf_addf(b, " AND expires>%lld", sel->alive_at);
	if(sel->expired_at)
		im_kbuf_addf(b, " AND expires<=%lld", sel->expired_at);
	/* NULL <> '' is not true either */
	if(sel->with_imdn)
		im_kbuf_addf(b, " AND imdn_message_id<>''");
	if(sel->after_id)
		im_kbuf_addf(b, " AND id>%lld", sel->after_id);
	return b->failed ? -1 : 0;
}

static db1_res_t *raw(im_kbuf_t *q)
{
	db1_res_t *res = NULL;
	str text = {q->s, q->len};

	if(q->failed || dbf.raw_query(con, &text, &res) < 0 || !res) {
		LM_ERR("query of " TABLE " failed\n");
		im_kbuf_free(q);
		return NULL;
	}
	im_kbuf_free(q);
	return res;
}

/* A raw query rather than the DB API's: it has no LIMIT, and a push of
 * thousands of messages must not read them all into private memory. */
int imst_db_select(const imst_sel_t *sel, imst_row_f fn, void *arg)
{
	im_kbuf_t q = {0};
	db1_res_t *res;
	int nc = sel->with_request ? C_COUNT : C_REQUEST, n;

	if(use() < 0)
		return -1;
	im_kbuf_addf(&q, "SELECT ");
	for(int i = 0; i < nc; i++)
		im_kbuf_addf(&q, "%.*s,", cols_s[i].len, cols_s[i].s);
	/* the order they were stored in (id grows with each insert) */
	im_kbuf_addf(&q, "id FROM " TABLE);
	if(add_where(&q, sel) < 0) {
		im_kbuf_free(&q);
		return -1;
	}
	im_kbuf_addf(&q, " ORDER BY id");
	if(sel->limit > 0)
		im_kbuf_addf(&q, " LIMIT %d", sel->limit);
	if(!(res = raw(&q)))
		return -1;
	n = RES_ROW_N(res);
	for(int r = 0; r < n; r++) {
		db_val_t *rv = ROW_VALUES(&RES_ROWS(res)[r]);
		imst_row_t row;

		memset(&row, 0, sizeof(row));
		get_str(&rv[C_TOKEN], &row.token);
		get_str(&rv[C_MESSAGE_ID], &row.message_id);
		get_str(&rv[C_RECIPIENT], &row.recipient);
		get_str(&rv[C_SENDER], &row.sender);
		get_str(&rv[C_CALL_ID], &row.call_id);
		row.received = get_int(&rv[C_RECEIVED]);
		row.expires = get_int(&rv[C_EXPIRES]);
		row.size = (int)get_int(&rv[C_SIZE]);
		get_str(&rv[C_KIND], &row.kind);
		get_str(&rv[C_IMDN_ID], &row.imdn_id);
		get_str(&rv[C_IMDN_DATETIME], &row.imdn_datetime);
		get_str(&rv[C_IMDN_FROM], &row.imdn_from);
		get_str(&rv[C_IMDN_TO], &row.imdn_to);
		if(sel->with_request)
			get_str(&rv[C_REQUEST], &row.request);
		row.id = get_int(&rv[nc]);
		if(fn && fn(&row, arg) != 0)
			break;
	}
	dbf.free_result(con, res);
	return n;
}

int imst_db_usage(const str *recipient, long long alive_at, int *count,
		long long *bytes)
{
	im_kbuf_t q = {0};
	imst_sel_t sel = {.recipient = recipient, .alive_at = alive_at};
	db1_res_t *res;

	if(use() < 0)
		return -1;
	im_kbuf_addf(&q, "SELECT COUNT(*),COALESCE(SUM(size),0) FROM " TABLE);
	if(add_where(&q, &sel) < 0) {
		im_kbuf_free(&q);
		return -1;
	}
	if(!(res = raw(&q)))
		return -1;
	*count = 0;
	*bytes = 0;
	if(RES_ROW_N(res) == 1) {
		db_val_t *rv = ROW_VALUES(&RES_ROWS(res)[0]);
		*count = (int)get_int(&rv[0]);
		*bytes = get_int(&rv[1]);
	}
	dbf.free_result(con, res);
	return 0;
}

/* How many rows this connection's last statement changed: the driver's
 * count (db_postgres), else SQLite's changes() of this connection
 * (db_sqlite tells none). -1 when it cannot be told. */
static int changed_rows(void)
{
	im_kbuf_t q = {0};
	db1_res_t *res;
	int n = -1;

	if(dbf.affected_rows)
		return dbf.affected_rows(con);
	im_kbuf_addf(&q, "SELECT changes()");
	if(!(res = raw(&q)))
		return -1;
	if(RES_ROW_N(res) == 1)
		n = (int)get_int(&ROW_VALUES(&RES_ROWS(res)[0])[0]);
	dbf.free_result(con, res);
	return n;
}

/* Deletes the rows matching k/o/v: how many this delete removed, or -1.
 * Counted by the delete itself, not by a query before it: when two
 * processes (or nodes) delete the same row at once, only the one whose
 * delete removed it counts it, and only that one sends its failure IMDN
 * (imst_delete_notify). */
static int delete_where(db_key_t *k, db_op_t *o, db_val_t *v, int n)
{
	if(use() < 0)
		return -1;
	if(dbf.delete(con, k, o, v, n) < 0) {
		LM_ERR("delete from " TABLE " failed\n");
		return -1;
	}
	return changed_rows();
}

int imst_db_remove(const imst_sel_t *sel)
{
	db_key_t k[IMST_SEL_KEYS];
	db_op_t o[IMST_SEL_KEYS];
	db_val_t v[IMST_SEL_KEYS];
	int n = where(sel, k, o, v);

	return delete_where(n ? k : NULL, n ? o : NULL, n ? v : NULL, n);
}
