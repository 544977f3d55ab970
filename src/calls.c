/* SPDX-License-Identifier: MIT */
/* What the call tables of calls_pvt.h share. */
#include <errno.h>

#include "calls_pvt.h"
#include "wait_pvt.h"

int shmchan__take_wait(struct shmchan__handle *ch, const struct shmchan__taker *t, void *buf,
		       size_t cap, const void **view, size_t *len, int timeout_ms)
{
	struct shmchan__deadline dl;
	int err;

	if (timeout_ms < -1)
		return -EINVAL;
	shmchan__deadline_init(&dl, timeout_ms);
	for (;;) {
		err = view ? t->peek(ch, view, len) : t->read(ch, buf, cap, len);
		if (err != -EAGAIN)
			return err;
		err = t->wait(ch, &dl);
		if (err)
			return err;
	}
}
