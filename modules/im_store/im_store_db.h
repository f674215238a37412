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
	/* a MESSAGE whose CPIM body asked for a failure IMDN (RFC 5438
	 * negative-delivery, DM-7): its imdn.Message-ID, DateTime, CPIM From
	 * and To; empty otherwise */
	str imdn_id, imdn_datetime, imdn_from, imdn_to;
	str request; /* the MESSAGE as stored; a Large Message: the body of
					its push (D-30) */
	long long id; /* grows with each insert: the order of the store */
} imst_row_t;

int imst_db_init(void);
void imst_db_close(void);

int imst_db_insert(const imst_row_t *r);
/* The row of r's token gets r's size, imdn_* and request (a Large
 * Message that grew). 0 (also when no row has the token), or -1. */
int imst_db_update(const imst_row_t *r);

/* What is selected: a user's messages (recipient NULL: everyone's),
 * or one message by its token or Message-ID, only those alive at
 * `alive_at` (0: expired ones too) or only those expired at `expired_at`
 * (0: any), only those asking for a failure IMDN, with or without the
 * request itself. */
typedef struct imst_sel {
	const str *recipient;
	const str *token; /* NULL: any */
	long long alive_at;
	int with_request;
	const str *message_id; /* NULL: any */
	long long expired_at;
	int with_imdn;
	long long after_id; /* only rows stored after this one (its id) */
	int limit;			/* at most so many rows, 0: all */
} imst_sel_t;
#define IMST_SEL_KEYS 6

/* fn returns non-zero to stop. Returns the rows seen, or -1. */
typedef int (*imst_row_f)(const imst_row_t *r, void *arg);
int imst_db_select(const imst_sel_t *sel, imst_row_f fn, void *arg);
/* How many of recipient's messages are alive at alive_at, and their
 * bytes (one aggregate query, however many there are). 0, or -1. */
int imst_db_usage(const str *recipient, long long alive_at, int *count,
		long long *bytes);

/* Deletes the messages sel selects (its with_request aside): how many,
 * or -1. */
int imst_db_remove(const imst_sel_t *sel);

#endif
