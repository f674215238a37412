/*
 * The deferred messages' table (im_store, db/<engine>/im_store.sql),
 * through Kamailio's DB API with one connection per process, opened on
 * first use.
 */
#ifndef IM_STORE_DB_H
#define IM_STORE_DB_H

#include "core/str.h"

#define IMST_KIND_MESSAGE "message"
#define IMST_KIND_LARGE "large-message"

/* One stored message. From a query, the str point into the result and
 * are valid only during the callback. */
typedef struct imst_row {
	str token;		/* our unique string (MSRP Message-ID of its push) */
	str message_id; /* "sip:<token>@<host>" (OMA 12.2.2.3 item 4) */
	str recipient, sender, call_id;
	long long received, expires; /* Unix time */
	int size;					 /* bytes of request */
	str kind;					 /* IMST_KIND_MESSAGE or IMST_KIND_LARGE */
	str request; /* the MESSAGE as stored; a Large Message: the body of
					its push (D-30) */
	long long id; /* grows with each insert: the order of the store */
} imst_row_t;

int imst_db_init(void);
void imst_db_close(void);

int imst_db_insert(const imst_row_t *r);

/* What is selected: a user's messages (recipient NULL: everyone's),
 * or one message by its token, only those alive at `alive_at` (0: expired
 * ones too), with or without the request itself. */
typedef struct imst_sel {
	const str *recipient;
	const str *token; /* NULL: any */
	long long alive_at;
	int with_request;
	long long after_id; /* only rows stored after this one (its id) */
	int limit;			/* at most so many rows, 0: all */
} imst_sel_t;

/* fn returns non-zero to stop. Returns the rows seen, or -1. */
typedef int (*imst_row_f)(const imst_row_t *r, void *arg);
int imst_db_select(const imst_sel_t *sel, imst_row_f fn, void *arg);
/* How many of recipient's messages are alive at alive_at, and their
 * bytes (one aggregate query, however many there are). 0, or -1. */
int imst_db_usage(const str *recipient, long long alive_at, int *count,
		long long *bytes);

/* Deletes recipient's message whose column `col` ("token" or
 * "message_id") is val, or all its messages when val is NULL: the rows
 * deleted, -1 on error. */
int imst_db_delete(const str *recipient, const char *col, const str *val);
/* Deletes the messages expired at now: how many, or -1. */
int imst_db_expire(long long now);

#endif
