/* SPDX-License-Identifier: MIT */
/* The kind table: one line per channel kind (see kind_pvt.h). */
#include "kind_pvt.h"

static const struct shmchan__kind kinds[] = {
	[SHMCHAN_KIND_SLOT] = { &shmchan__slot_writer, &shmchan__slot_reader },
	[SHMCHAN_KIND_RECORD] = { &shmchan__record_writer, &shmchan__record_reader },
	[SHMCHAN_KIND_BROADCAST] = { &shmchan__bcast_writer, &shmchan__bcast_reader },
	/* Slot writers (that step over held slots), competing readers. */
	[SHMCHAN_KIND_WORKQUEUE] = { &shmchan__wq_writer, &shmchan__wq_reader },
};

const struct shmchan__kind *shmchan__kind_of(uint32_t kind)
{
	/* Kinds are validated at open; a closed handle's 0 gets slot's table,
	 * whose calls the role check keeps it from reaching. */
	return &kinds[kind < sizeof(kinds) / sizeof(kinds[0]) && kinds[kind].writer
			      ? kind
			      : SHMCHAN_KIND_SLOT];
}

void shmchan__no_reclaim(struct shmchan__handle *ch, uint32_t pos)
{
	(void)ch;
	(void)pos;
}

int shmchan__no_hold(const struct shmchan__handle *ch, uint64_t claim)
{
	(void)ch;
	(void)claim;
	return 0;
}
