/* SPDX-License-Identifier: MIT */
/*
 * Channels in newosp's own format: a shmchan process reads from, or writes
 * to, a running newosp process (newosp's include/osp/shm_transport.hpp,
 * as of its 0.5.3 release), so that a system can move to shmchan one
 * process at a time. docs/newosp.md gives the layouts, the mapping and what
 * is lost.
 *
 *   struct shmchan_osp_config oc = { .format = SHMCHAN_OSP_SLOT,
 *                                    .slot_size = 81920, .slot_count = 16 };
 *   struct shmchan_channel r;
 *   shmchan_osp_open_reader(&r, "frame_ch", &oc);   // ShmChannel<81920, 16>
 *   shmchan_channel_recv(&r, buf, sizeof(buf), &len, 1000);
 *
 * Two formats:
 *   SHMCHAN_OSP_SLOT: ShmChannel<SlotSize, SlotCount>, newosp's MPSC ring of
 *     fixed slots. Writers (any number, newosp's or shmchan's) and one
 *     reader. The geometry is not stored in the object: both sides must be
 *     given the same one; the object's size is checked against it.
 *   SHMCHAN_OSP_BYTES: ShmByteChannel, newosp's SPSC ring of length-prefixed
 *     messages. One writer, one reader; the capacity is in the object.
 *
 * The handle is a struct shmchan_channel, used with the channel calls of
 * channel.h: write, send, read, recv, wait_readable, wait_writable(_len),
 * close on both formats; reserve, commit, cancel, reserve_wait, peek,
 * release and peek_wait on SHMCHAN_OSP_SLOT only (a byte channel's message
 * may wrap around the end of its ring: no pointer to it can be handed out),
 * where those return -ENOTSUP. depth (SLOT: messages; BYTES: -ENOTSUP,
 * counting would walk the lengths), depth_bytes (SLOT: depth times
 * slot_size; BYTES: head - tail),
 * capacity (SLOT: slots; BYTES: ring bytes), memory and share_fd work;
 * -EBADMSG from depth means positions the ring cannot hold. The calls that
 * need shmchan's header or registry (config, wait_for_reader(s),
 * wait_for_writer, poll_fd, waitsets, channel_info, lost) return -ENOTSUP.
 * A byte channel's write of 0 bytes is -EINVAL (newosp's reader would stop
 * at it for ever). Reading a message larger than the buffer returns
 * -EMSGSIZE and leaves it
 * (newosp's reader drops it). Cancel, or close with a reservation, publishes
 * the reserved slot as a message of 0 bytes: a claimed position cannot be
 * given back (a child closing a handle inherited across fork leaves the
 * parent's reservation alone). Objects live in /dev/shm (shm_open's directory) whatever
 * SHMCHAN_DIR says.
 *
 * What does not hold, since the format has no registry and no header:
 * no liveness (a dead peer is never detected), no end of stream (read never
 * returns -EPIPE), no replacement (-ESTALE), no recovery of a slot whose
 * producer died between its claim and its publish (the reader waits at it
 * for ever, as newosp's does, unless stuck_ms is set), no redelivery after a
 * reader's death, one reader at a time by convention only. What does hold:
 * every position, sequence, size and length read from the object is
 * checked against the geometry and the object's size before use; a
 * corrupt object gives -EBADMSG, never an access outside the mapping or a
 * loop without bound.
 *
 * Waits: newosp's slot ring has no futex word, so its waits poll:
 * SHMCHAN_WAIT_SPIN busy-polls, SHMCHAN_WAIT_BACKOFF (and FUTEX, the
 * default, which it stands for here) sleeps 50 us doubling to 1 ms between
 * looks, newosp's own WaitReadable. A byte channel's reader sleeps on the
 * head word's futex (SHMCHAN_WAIT_FUTEX), which every writer, newosp's or
 * shmchan's, wakes after each message; its writer waiting for room polls,
 * since newosp's reader wakes no one.
 */
#ifndef SHMCHAN_NEWOSP_H
#define SHMCHAN_NEWOSP_H

#include <stdint.h>

#include "shmchan/channel.h"
#include "shmchan/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* newosp's object names: "/osp_shm_" + the channel name. */
#define SHMCHAN_OSP_PREFIX "osp_shm_"

#define SHMCHAN_OSP_SLOT 1u  /* ShmChannel<SlotSize, SlotCount> */
#define SHMCHAN_OSP_BYTES 2u /* ShmByteChannel */

/* newosp's default byte-channel capacity (OSP_SHM_BYTE_RING_CAPACITY). */
#define SHMCHAN_OSP_BYTES_DEFAULT (1u << 20)

/* Largest object this library creates or opens in either format: the last
 * page boundary below 2 GiB, so that the size fits newosp's uint32 sizes and
 * the 32-bit off_t of 32-bit ABIs alike. */
#define SHMCHAN_OSP_MAX_SIZE 0x7FFFF000u

/* Flags of struct shmchan_osp_config. */
#define SHMCHAN_OSP_REPLACE                                                                        \
	1u /* create: remove an object of the name first,                                          \
	    * as newosp's CreateOrReplaceWriter */

struct shmchan_osp_config {
	uint32_t format;     /* SHMCHAN_OSP_SLOT or SHMCHAN_OSP_BYTES */
	uint32_t slot_size;  /* SLOT: SlotSize, payload bytes of a slot (1..) */
	uint32_t slot_count; /* SLOT: SlotCount, a power of two (1..) */
	/* BYTES: the capacity asked for, as newosp's CreateWriter takes it
	 * (0: SHMCHAN_OSP_BYTES_DEFAULT). The object is 16 + capacity bytes
	 * rounded up to 4096, and its ring the largest power of two that fits
	 * after the 16-byte header, as newosp computes it (64 gives 2048).
	 * At open: 0, or the ring's capacity expected, as newosp's
	 * Capacity() reports it (SHMCHAN_EGEOMETRY if it differs). */
	uint32_t capacity;
	uint32_t wait;	/* SHMCHAN_WAIT_*; see above */
	uint32_t flags; /* SHMCHAN_OSP_REPLACE */
	/* SLOT reader: step over a slot claimed by a producer and not
	 * published after this many milliseconds (0, the default: wait for
	 * ever, as newosp does). Only for producers known to die without
	 * publishing: a producer merely slower than this publishes into a slot
	 * already given back, which wedges the ring (docs/newosp.md). */
	uint32_t stuck_ms;
	uint32_t reserved[9]; /* zero */
};

/*
 * shmchan_osp_create - create newosp-format channel @name exclusively (as
 * newosp's CreateWriter: O_EXCL, mode 0600) and attach as a writer.
 * SLOT: both positions 0, slot i's sequence i, sizes 0. BYTES: head and
 * tail 0, the capacity as described above.
 * Returns 0, or -EINVAL (NULL argument, bad name, unknown format, flag or
 * wait, zero or non-power-of-two slot_count, zero slot_size, capacity below
 * 64, a non-zero reserved field), -EFBIG (the object would exceed
 * SHMCHAN_OSP_MAX_SIZE), -ENAMETOOLONG, -EEXIST (the name is taken: pass
 * SHMCHAN_OSP_REPLACE to take it over), and the segment errors (-EACCES,
 * -ENOSPC, -ENOMEM, -EMFILE, -ENFILE).
 */
SHMCHAN_API int shmchan_osp_create(struct shmchan_channel *ch, const char *name,
				   const struct shmchan_osp_config *cfg);

/*
 * shmchan_osp_open_writer, shmchan_osp_open_reader - attach to an existing
 * newosp-format channel @name with geometry @cfg. A reader starts at the
 * object's consumer position (tail): what the previous reader left.
 * Returns 0, or -EINVAL (as for create, but for BYTES' capacity, which is
 * compared, and SHMCHAN_OSP_REPLACE; a writer with stuck_ms), -ENAMETOOLONG,
 * -ENOENT, -EACCES (both need read and write permission on the object),
 * SHMCHAN_ETRUNCATED (the object is smaller than the geometry needs),
 * SHMCHAN_EGEOMETRY (SLOT: the object's size is not the one this geometry
 * gives; BYTES: the stored capacity differs from @cfg's), -EBADMSG (the
 * object's header or positions are inconsistent: a capacity that is not a
 * power of two or does not fit, positions further apart than the ring),
 * -EMFILE, -ENFILE, -ENOMEM.
 */
SHMCHAN_API int shmchan_osp_open_writer(struct shmchan_channel *ch, const char *name,
					const struct shmchan_osp_config *cfg);
SHMCHAN_API int shmchan_osp_open_reader(struct shmchan_channel *ch, const char *name,
					const struct shmchan_osp_config *cfg);

/*
 * shmchan_osp_size - the bytes of the object newosp creates for @cfg (page
 * rounded). Returns 0 with *@size set, or -EINVAL, -EFBIG as create.
 */
SHMCHAN_API int shmchan_osp_size(const struct shmchan_osp_config *cfg, uint64_t *size);

/* What shmchan_osp_inspect() found (a snapshot). */
struct shmchan_osp_info {
	uint32_t format;     /* as asked */
	uint32_t capacity;   /* SLOT: slots; BYTES: ring bytes */
	uint64_t size;	     /* the object's bytes */
	uint32_t write_pos;  /* SLOT: producer_pos; BYTES: head */
	uint32_t read_pos;   /* SLOT: consumer_pos; BYTES: tail */
	uint32_t depth;	     /* SLOT: messages; BYTES: bytes (write - read) */
	uint32_t reserved_0; /* zero */
	uint64_t reserved[6];
};

/*
 * shmchan_osp_inspect - check newosp-format channel @name against geometry
 * @cfg, as open_reader does, and describe it, writing nothing to it (it
 * maps the object as open_reader does: read and write permission needed).
 * Returns 0 with *@info filled, or the errors of open_reader.
 */
SHMCHAN_API int shmchan_osp_inspect(const char *name, const struct shmchan_osp_config *cfg,
				    struct shmchan_osp_info *info);

/*
 * shmchan_osp_unlink - remove newosp-format channel @name ("/osp_shm_" +
 * @name). Handles attached keep working. Returns 0, -EINVAL, -ENAMETOOLONG,
 * -ENOENT, -EACCES.
 */
SHMCHAN_API int shmchan_osp_unlink(const char *name);

#ifdef __cplusplus
}
#endif

#endif /* SHMCHAN_NEWOSP_H */
