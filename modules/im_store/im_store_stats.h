/*
 * Counters of the store since Kamailio started (im_store.stats), in shm.
 */
#ifndef IM_STORE_STATS_H
#define IM_STORE_STATS_H

typedef enum imst_stat {
	IMST_STAT_STORED = 0,
	IMST_STAT_REFUSED, /* 413, store full */
	IMST_STAT_DELIVERED,
	IMST_STAT_EXPIRED,
	IMST_STAT_PUSHES,
	IMST_STAT_BATCHES, /* reads of a push's next IMST_PUSH_BATCH messages */
	IMST_STAT_IMDN_SENT, /* failure IMDNs (DM-7) */
	IMST_STAT_COUNT
} imst_stat_t;

extern const char *imst_stat_names[IMST_STAT_COUNT];

int imst_stats_init(void);
void imst_stats_destroy(void);
void imst_stats_add(imst_stat_t which, long n);
long imst_stats_get(imst_stat_t which);

#endif
