#include <stdio.h>
#include <string.h>

#include "core/dprint.h"
#include "lib/srdb1/db.h"

#include "im_pf.h"
#include "im_pf_db.h"

#define IMPF_DB_MAX_COLS 10

static db_func_t impf_dbf;
static db1_con_t *impf_db = NULL;

int impf_db_init(void)
{
	if(!impf_db_url.len) {
		LM_ERR("db_url is not set\n");
		return -1;
	}
	if(db_bind_mod(&impf_db_url, &impf_dbf) < 0) {
		LM_ERR("cannot bind the database module for %.*s\n", impf_db_url.len,
				impf_db_url.s);
		return -1;
	}
	if(!DB_CAPABILITY(impf_dbf, DB_CAP_QUERY | DB_CAP_INSERT | DB_CAP_DELETE
										| DB_CAP_UPDATE)) {
		LM_ERR("the database module cannot query, insert, delete and "
			   "update\n");
		return -1;
	}
	return 0;
}

static int db_connect(void)
{
	if(impf_db)
		return 0;
	impf_db = impf_dbf.init(&impf_db_url);
	if(!impf_db) {
		LM_ERR("cannot connect to the database\n");
		return -1;
	}
	return 0;
}

void impf_db_close(void)
{
	if(impf_db) {
		impf_dbf.close(impf_db);
		impf_db = NULL;
	}
}

static int use(const char *table)
{
	/* the driver keeps a pointer to the str, not a copy */
	static str t;

	t.s = (char *)table;
	t.len = strlen(table);

	if(db_connect() < 0)
		return -1;
	return impf_dbf.use_table(impf_db, &t);
}

static void set_keys(const char **names, const str *vals, int n, db_key_t *k,
		db_val_t *v, str *kstore)
{
	for(int i = 0; i < n; i++) {
		kstore[i].s = (char *)names[i];
		kstore[i].len = strlen(names[i]);
		k[i] = &kstore[i];
		memset(&v[i], 0, sizeof(v[i]));
		VAL_TYPE(&v[i]) = DB1_STR;
		VAL_STR(&v[i]) = vals[i];
	}
}

/* v as text: a view into the result for strings, else printed into buf
 * (32 bytes). NULL is the empty string. */
static str value_str(db_val_t *v, char *buf)
{
	str out = {buf, 0};

	if(VAL_NULL(v))
		return out;
	switch(VAL_TYPE(v)) {
		case DB1_STRING:
			out.s = (char *)VAL_STRING(v);
			out.len = out.s ? (int)strlen(out.s) : 0;
			break;
		case DB1_STR:
		case DB1_BLOB:
			out = VAL_STR(v);
			break;
		case DB1_INT:
			out.len = snprintf(buf, 32, "%d", VAL_INT(v));
			break;
		case DB1_BIGINT:
			out.len = snprintf(buf, 32, "%lld", VAL_BIGINT(v));
			break;
		default:
			break;
	}
	return out;
}

int impf_db_select_str(const char *table, const char **keys, const str *vals,
		int nkeys, const char **cols, int ncols, impf_str_row_f fn, void *arg)
{
	db_key_t k[IMPF_DB_MAX_COLS], c[IMPF_DB_MAX_COLS];
	db_val_t v[IMPF_DB_MAX_COLS];
	str kstore[IMPF_DB_MAX_COLS], cstore[IMPF_DB_MAX_COLS];
	str row[IMPF_DB_MAX_COLS];
	char num[IMPF_DB_MAX_COLS][32];
	db1_res_t *res = NULL;
	int n;

	if(nkeys > IMPF_DB_MAX_COLS || ncols > IMPF_DB_MAX_COLS || use(table) < 0)
		return -1;
	set_keys(keys, vals, nkeys, k, v, kstore);
	for(int i = 0; i < ncols; i++) {
		cstore[i].s = (char *)cols[i];
		cstore[i].len = strlen(cols[i]);
		c[i] = &cstore[i];
	}
	if(impf_dbf.query(impf_db, nkeys ? k : NULL, 0, nkeys ? v : NULL, c, nkeys,
			   ncols, 0, &res)
					< 0
			|| !res) {
		LM_ERR("query of %s failed\n", table);
		return -1;
	}
	n = RES_ROW_N(res);
	for(int r = 0; r < n; r++) {
		db_val_t *rv = ROW_VALUES(&RES_ROWS(res)[r]);
		for(int i = 0; i < ncols; i++)
			row[i] = value_str(&rv[i], num[i]);
		if(fn && fn(row, ncols, arg) != 0)
			break;
	}
	impf_dbf.free_result(impf_db, res);
	return n;
}

typedef struct text_row {
	impf_row_f fn;
	void *arg;
} text_row_t;

/* impf_db_select's rows: each value copied NUL-terminated (cut at 511) */
static int text_row(str *vals, int ncols, void *arg)
{
	text_row_t *t = arg;
	char text[IMPF_DB_MAX_COLS][512], *row[IMPF_DB_MAX_COLS];

	for(int i = 0; i < ncols; i++) {
		snprintf(text[i], sizeof(text[i]), "%.*s", vals[i].len, vals[i].s);
		row[i] = text[i];
	}
	return t->fn ? t->fn(row, ncols, t->arg) : 0;
}

int impf_db_select(const char *table, const char **keys, const str *vals,
		int nkeys, const char **cols, int ncols, impf_row_f fn, void *arg)
{
	text_row_t t = {fn, arg};

	return impf_db_select_str(
			table, keys, vals, nkeys, cols, ncols, text_row, &t);
}

int impf_db_del_before(const char *table, const char *col, long long t)
{
	static db_op_t op[] = {OP_LT};
	str kname = {(char *)col, (int)strlen(col)};
	db_key_t k[] = {&kname};
	db_val_t v;

	if(use(table) < 0)
		return -1;
	memset(&v, 0, sizeof(v));
	VAL_TYPE(&v) = DB1_BIGINT;
	VAL_BIGINT(&v) = t;
	if(impf_dbf.delete(impf_db, k, op, &v, 1) < 0) {
		LM_ERR("delete from %s failed\n", table);
		return -1;
	}
	return impf_dbf.affected_rows ? impf_dbf.affected_rows(impf_db) : 0;
}

int impf_db_del(const char *table, const char **keys, const str *vals,
		int nkeys)
{
	db_key_t k[IMPF_DB_MAX_COLS];
	db_val_t v[IMPF_DB_MAX_COLS];
	str kstore[IMPF_DB_MAX_COLS];

	if(nkeys > IMPF_DB_MAX_COLS || use(table) < 0)
		return -1;
	set_keys(keys, vals, nkeys, k, v, kstore);
	if(impf_dbf.delete(impf_db, k, 0, v, nkeys) < 0) {
		LM_ERR("delete from %s failed\n", table);
		return -1;
	}
	if(impf_dbf.affected_rows)
		return impf_dbf.affected_rows(impf_db);
	return 0;
}

int impf_db_update(const char *table, const char **keys, const str *keyvals,
		int nkeys, const char **cols, const str *vals, int ncols)
{
	db_key_t k[IMPF_DB_MAX_COLS], c[IMPF_DB_MAX_COLS];
	db_val_t kv[IMPF_DB_MAX_COLS], cv[IMPF_DB_MAX_COLS];
	str kstore[IMPF_DB_MAX_COLS], cstore[IMPF_DB_MAX_COLS];

	if(nkeys > IMPF_DB_MAX_COLS || ncols > IMPF_DB_MAX_COLS || use(table) < 0)
		return -1;
	set_keys(keys, keyvals, nkeys, k, kv, kstore);
	set_keys(cols, vals, ncols, c, cv, cstore);
	if(impf_dbf.update(impf_db, k, 0, kv, c, cv, nkeys, ncols) < 0) {
		LM_ERR("update of %s failed\n", table);
		return -1;
	}
	return 0;
}

int impf_db_put(const char *table, const char **keys, const str *keyvals,
		int nkeys, const char **cols, const str *vals, int ncols)
{
	db_key_t k[IMPF_DB_MAX_COLS];
	db_val_t v[IMPF_DB_MAX_COLS];
	str kstore[IMPF_DB_MAX_COLS];

	if(impf_db_del(table, keys, keyvals, nkeys) < 0)
		return -1;
	if(ncols > IMPF_DB_MAX_COLS)
		return -1;
	set_keys(cols, vals, ncols, k, v, kstore);
	if(impf_dbf.insert(impf_db, k, v, ncols) < 0) {
		LM_ERR("insert into %s failed\n", table);
		return -1;
	}
	return 0;
}
