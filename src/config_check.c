/* SPDX-License-Identifier: MIT */
/* Checking a struct shmchan_config, with the reason (config_pvt.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "config_pvt.h"
#include "kind_pvt.h"
#include "memory_pvt.h"

int shmchan__why(struct shmchan__why *w, const char *fmt, ...)
{
	va_list ap;

	if (w && w->buf && w->len) {
		va_start(ap, fmt);
		vsnprintf(w->buf, w->len, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* The fields that every use checks alike: reserved words, the wait. */
static int check_common(const struct shmchan_config *cfg, struct shmchan__why *w)
{
	size_t i;

	for (i = 0; i < sizeof(cfg->reserved) / sizeof(cfg->reserved[0]); i++)
		if (cfg->reserved[i])
			return shmchan__why(w, "reserved[%zu] %u: reserved fields must be 0", i,
					    cfg->reserved[i]);
	if (cfg->wait > SHMCHAN_WAIT_BACKOFF)
		return shmchan__why(w, "wait %u: not a SHMCHAN_WAIT_* strategy (0 to %u)",
				    cfg->wait, SHMCHAN_WAIT_BACKOFF);
	if (cfg->spin_us < -1 || cfg->spin_us > SHMCHAN_MAX_SPIN_US)
		return shmchan__why(w,
				    "spin_us %d: out of range (-1: no spin phase, 0: the "
				    "default, up to %d)",
				    cfg->spin_us, SHMCHAN_MAX_SPIN_US);
	return 0;
}

int shmchan__config_check(const struct shmchan_config *cfg, uint32_t use, uint32_t *kind,
			  struct shmchan__geom *g, struct shmchan__why *w)
{
	static const struct shmchan_config defaults;
	const struct shmchan__kind *k;
	struct shmchan__geom scratch;
	struct shmchan__mem m;
	uint32_t kd;
	int err;

	if (use > SHMCHAN_CHECK_READER)
		return shmchan__why(w, "use %u: not a SHMCHAN_CHECK_* value", use);
	if (!cfg && use == SHMCHAN_CHECK_CREATE)
		return shmchan__why(w, "no config: creating a channel needs its geometry");
	if (!cfg)
		cfg = &defaults;
	err = check_common(cfg, w);
	if (err)
		return err;
	m.flags = cfg->mem;
	m.node = cfg->numa_node;
	err = shmchan__mem_explain(&m,
				   use == SHMCHAN_CHECK_CREATE ? SHMCHAN__MEM_CREATE_FLAGS
							       : SHMCHAN__MEM_OPEN_FLAGS,
				   w);
	if (err)
		return err;
	if (use != SHMCHAN_CHECK_READER && cfg->hold)
		return shmchan__why(w, "hold %u: only readers hold messages (0 for %s)", cfg->hold,
				    use == SHMCHAN_CHECK_CREATE ? "a creator" : "a writer");
	if (cfg->hold > SHMCHAN_MAX_HOLD)
		return shmchan__why(w, "hold %u: more than SHMCHAN_MAX_HOLD (%u)", cfg->hold,
				    SHMCHAN_MAX_HOLD);
	if (use != SHMCHAN_CHECK_CREATE) {
		if (cfg->flags & ~SHMCHAN_OPEN_ANY_OWNER)
			return shmchan__why(w, "flags 0x%x: unknown SHMCHAN_OPEN_* bits 0x%x",
					    cfg->flags, cfg->flags & ~SHMCHAN_OPEN_ANY_OWNER);
		return 0; /* the geometry is matched against the channel at open */
	}
	if (cfg->flags)
		return shmchan__why(w,
				    "flags 0x%x: SHMCHAN_OPEN_* flags are for opening (0 "
				    "when creating)",
				    cfg->flags);
	if (cfg->mode > 07777)
		return shmchan__why(w, "mode 0%o: not a file mode (at most 07777)", cfg->mode);
	kd = shmchan__kind_resolve(cfg->kind);
	k = shmchan__kind_find(kd);
	if (!k)
		return shmchan__why(w, "kind %u: not a channel kind this library serves",
				    cfg->kind);
	if (kind)
		*kind = kd;
	return k->ring->geometry(cfg, g ? g : &scratch, w);
}

int shmchan_config_check(const struct shmchan_config *cfg, uint32_t use, char *buf, size_t len)
{
	struct shmchan__why w = { buf, len };
	int err;

	if (buf && len)
		buf[0] = '\0';
	err = shmchan__config_check(cfg, use, NULL, NULL, &w);
	if (!err && buf && len)
		snprintf(buf, len, "ok");
	return err;
}
