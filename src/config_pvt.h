/* SPDX-License-Identifier: MIT */
/*
 * The one check of a struct shmchan_config (config_check.c): create, open
 * and shmchan_config_check all call it, so the reason a caller reads is the
 * reason the call refused.
 */
#ifndef SHMCHAN_CONFIG_PVT_H
#define SHMCHAN_CONFIG_PVT_H

#include <stddef.h>
#include <stdint.h>

#include "shmchan/channel.h"

struct shmchan__geom;

/* Where a check writes why it refused: @buf of @len bytes, or nowhere
 * (a NULL pointer to this struct, or a NULL @buf). */
struct shmchan__why {
	char *buf;
	size_t len;
};

/* Writes the reason (printf-style, truncated, NUL-terminated) into @w
 * where there is one; returns -EINVAL. */
int shmchan__why(struct shmchan__why *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Check @cfg (NULL: every default) for @use (SHMCHAN_CHECK_*). For
 * SHMCHAN_CHECK_CREATE, a non-NULL @kind and @g receive the kind and the
 * geometry the header records. Returns 0, or -EINVAL with the reason in @w.
 */
int shmchan__config_check(const struct shmchan_config *cfg, uint32_t use, uint32_t *kind,
			  struct shmchan__geom *g, struct shmchan__why *w);

#endif /* SHMCHAN_CONFIG_PVT_H */
