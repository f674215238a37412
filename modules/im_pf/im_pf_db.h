/*
 * The participating function's tables (db/sqlite/im_server.sql), through
 * Kamailio's DB API with one connection per process, opened on first use:
 *   im_policy       operator ('*') and per-user policy: name = value
 *   im_access_rule  Shared Policy access rules of a user (TP-1 step 2)
 *   im_peer         interconnected IM domains (NNI routing, trust, D-3)
 *   im_settings     the service settings users published (SS-1)
 *   im_sysdoc       the documents of system messages (C-3)
 */
#ifndef IM_PF_DB_H
#define IM_PF_DB_H

#include "core/str.h"

int impf_db_init(void);
void impf_db_close(void);

/* Calls fn for each row (values as NUL-terminated strings, "" for NULL).
 * keys/vals select rows by equality (n may be 0). Returns rows or -1. */
typedef int (*impf_row_f)(char **vals, int ncols, void *arg);
int impf_db_select(const char *table, const char **keys, const str *vals,
		int nkeys, const char **cols, int ncols, impf_row_f fn, void *arg);

/* The same with each value a str of any length (ints printed), valid
 * during the call only. */
typedef int (*impf_str_row_f)(str *vals, int ncols, void *arg);
int impf_db_select_str(const char *table, const char **keys, const str *vals,
		int nkeys, const char **cols, int ncols, impf_str_row_f fn, void *arg);

/* Replaces the row matching keys (delete + insert) with cols = vals. */
int impf_db_put(const char *table, const char **keys, const str *keyvals,
		int nkeys, const char **cols, const str *vals, int ncols);
/* Sets cols = vals in the rows matching keys. 0, -1. */
int impf_db_update(const char *table, const char **keys, const str *keyvals,
		int nkeys, const char **cols, const str *vals, int ncols);
/* Deletes the rows matching keys; returns how many (when the driver can
 * tell) or 0, -1 on error. */
int impf_db_del(const char *table, const char **keys, const str *vals,
		int nkeys);

/* Deletes the rows whose (integer) col is below t: how many, -1 error. */
int impf_db_del_before(const char *table, const char *col, long long t);

#endif
