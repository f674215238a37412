/*
 * What the checks need of the database, kept in shared memory so that a
 * request does not query it: the operator's policy (scope '*') parsed, and
 * which users have rows of their own in im_policy and im_access_rule (most
 * have none). Filled at start; the RPC commands that edit the tables
 * update it, `im_pf.reload` reads everything again (after edits made
 * straight in the database).
 */
#ifndef IM_PF_CACHE_H
#define IM_PF_CACHE_H

#include "core/str.h"

#include "im_pf_policy.h"

int impf_cache_init(void);
void impf_cache_destroy(void);

/* Reads the tables again. 0, or -1 with the cache unchanged. */
int impf_cache_reload(void);

/* The operator's policy. */
void impf_cache_operator_policy(impf_policy_t *p);

/* Whether user has rows in im_policy / is the owner of access rules. */
int impf_cache_has_policy(const str *user);
int impf_cache_has_rules(const str *owner);

#endif
