#include "core/atomic_ops.h"
#include "core/dprint.h"
#include "core/mem/shm_mem.h"

#include "im_store_stats.h"

const char *imst_stat_names[IMST_STAT_COUNT] = {
		"stored", "refused", "delivered", "expired", "pushes", "batches",
		"imdn_sent"};

static atomic_t *counters = NULL;

int imst_stats_init(void)
{
	counters = shm_malloc(sizeof(atomic_t) * IMST_STAT_COUNT);
	if(!counters) {
		SHM_MEM_ERROR;
		return -1;
	}
	for(int i = 0; i < IMST_STAT_COUNT; i++)
		atomic_set(&counters[i], 0);
	return 0;
}

void imst_stats_destroy(void)
{
	if(counters) {
		shm_free(counters);
		counters = NULL;
	}
}

void imst_stats_add(imst_stat_t which, long n)
{
	atomic_add(&counters[which], n);
}

long imst_stats_get(imst_stat_t which)
{
	return atomic_get(&counters[which]);
}
