/* SPDX-License-Identifier: MIT */
/* The kind table: one line per channel kind (see kind_pvt.h). */
#include "kind_pvt.h"

static const struct shmchan__kind kinds[] = {
	[SHMCHAN_KIND_SLOT] = { &shmchan__slot_ring, &shmchan__slot_writer, &shmchan__slot_reader },
	[SHMCHAN_KIND_RECORD] = { &shmchan__record_ring, &shmchan__record_writer,
				  &shmchan__record_reader },
	[SHMCHAN_KIND_BROADCAST] = { &shmchan__bcast_ring, &shmchan__bcast_writer,
				     &shmchan__bcast_reader },
	/* A slot ring, slot writers that step over held slots, and many
	 * readers that compete. */
	[SHMCHAN_KIND_WORKQUEUE] = { &shmchan__slot_ring, &shmchan__wq_writer,
				     &shmchan__wq_reader },
};

#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

uint32_t shmchan__kind_resolve(uint32_t config_kind)
{
	return config_kind ? config_kind : SHMCHAN_KIND_SLOT; /* the default (channel.h) */
}

const struct shmchan__kind *shmchan__kind_find(uint32_t kind)
{
	return kind < NKINDS && kinds[kind].ring ? &kinds[kind] : NULL;
}

const struct shmchan__kind *shmchan__kind_of(uint32_t kind)
{
	const struct shmchan__kind *k = shmchan__kind_find(kind);

	/* Kinds are validated at open; a closed handle's 0 gets slot's table,
	 * whose calls the role check keeps it from reaching. */
	return k ? k : &kinds[SHMCHAN_KIND_SLOT];
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

int shmchan__one_extent(struct shmchan__handle *ch, uint32_t pos, uint32_t *extent)
{
	(void)ch;
	(void)pos;
	*extent = 1;
	return 1;
}

int shmchan__no_leave_hold(const struct shmchan__handle *ch)
{
	(void)ch;
	return 0;
}
