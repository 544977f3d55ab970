/* SPDX-License-Identifier: MIT */
/* The stall detector (see stall_pvt.h). */
#include "channel_pvt.h"
#include "registry_pvt.h"
#include "stall_pvt.h"

enum shmchan__stall shmchan__stall_check(struct shmchan__handle *ch, uint32_t pos, uint32_t *extent)
{
	int64_t now = shmchan__now_ns();
	int who;

	if (ch->stuck_ns == 0 || ch->stuck_pos != pos) {
		ch->stuck_pos = pos;
		ch->stuck_ns = now;
		ch->next_check_ns = now + SHMCHAN__STALL_CHECK_NS;
		return SHMCHAN__STALL_WAIT;
	}
	if (now < ch->next_check_ns)
		return SHMCHAN__STALL_WAIT;
	ch->next_check_ns = now + SHMCHAN__STALL_CHECK_NS;
	who = shmchan__claimant(shmchan__hdr(ch), pos, shmchan__judge_of(ch), extent);
	if (who == SHMCHAN__CLAIM_LIVE)
		return SHMCHAN__STALL_LIVE;
	if (who == SHMCHAN__CLAIM_DEAD)
		return SHMCHAN__STALL_DEAD;
	return now - ch->stuck_ns < SHMCHAN__STALL_ORPHAN_NS ? SHMCHAN__STALL_WAIT
							     : SHMCHAN__STALL_ORPHAN;
}
