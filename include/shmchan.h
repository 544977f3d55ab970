/* SPDX-License-Identifier: MIT */
/* shmchan: message channels between processes over POSIX shared memory. */
#ifndef SHMCHAN_H
#define SHMCHAN_H

#include "shmchan/common.h"
#include "shmchan/config.h"
#include "shmchan/segment.h"
#include "shmchan/ring.h"
#include "shmchan/channel.h"
#include "shmchan/anon.h"
#include "shmchan/inspect.h"
#include "shmchan/waitset.h"
#include "shmchan/fdpass.h"
#include "shmchan/newosp.h"

#endif /* SHMCHAN_H */
