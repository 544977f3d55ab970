/* SPDX-License-Identifier: MIT */
/*
 * Channel layer: a named channel is a segment holding a self-describing
 * header followed by a ring. Writers create or join it by name; one reader at
 * a time opens it by name. What a channel is made with (its kind, geometry,
 * policy, the wait strategy, struct shmchan_config) is in config.h; this
 * header has the handle and the calls.
 *
 *   struct shmchan_channel w, r;
 *   struct shmchan_config cfg = { .slot_size = 4096, .slot_count = 256 };
 *   shmchan_channel_create_writer(&w, "telemetry", &cfg);       // process A
 *   shmchan_channel_write(&w, msg, len);
 *   shmchan_channel_open_reader(&r, "telemetry", NULL);         // process B
 *   if (shmchan_channel_wait_readable(&r, 1000) == 0)
 *           shmchan_channel_read(&r, buf, sizeof(buf), &len);
 *
 * Handles are caller-owned structs; the library allocates nothing. A handle
 * is used by one thread at a time: threads that write concurrently open one
 * writer handle each (shmchan_channel_open_writer), which also gives every
 * producer its own registry entry in the segment. A message or wait call
 * made on a handle while another thread is inside one on the same handle
 * returns -EBUSY and changes nothing (open and close are not guarded: they
 * must not race with any other call on the handle). A handle is not shared
 * across fork: a child process opens its own.
 *
 * Open errors also include those of shmchan_segment_open (-ENOMEM, -EMFILE,
 * -ENFILE) for every open and create call below.
 *
 * Every open validates the header: magic, layout version, kind, geometry,
 * sizes against the file, and the ring's own header. Each failure has its own
 * error (see common.h): SHMCHAN_EBADMAGIC, SHMCHAN_EVERSION, SHMCHAN_EKIND,
 * SHMCHAN_EGEOMETRY, SHMCHAN_ETRUNCATED, and -EBADMSG for a header whose
 * fields contradict each other.
 */
#ifndef SHMCHAN_CHANNEL_H
#define SHMCHAN_CHANNEL_H

#include "shmchan/common.h"
#include "shmchan/config.h"
#include "shmchan/ring.h"
#include "shmchan/segment.h"

#ifdef __cplusplus
extern "C" {
#endif

/* An overwrite subscriber lost messages (see shmchan_channel_lost). */
#define SHMCHAN_ELOST (-ENOBUFS)

/* shmchan_channel_subscribe flags. */
#define SHMCHAN_SUB_OLDEST 1u  /* start at the oldest message still retained */
#define SHMCHAN_SUB_OBSERVE 2u /* a read-only observer (see subscribe) */

/*
 * Handle: caller-owned storage, opaque. Declare one (on the stack, in a
 * struct, anywhere) and pass its address; its bytes belong to the library
 * and are never read or written by the caller (zeroing a handle that is not
 * open is allowed: a zeroed handle is a closed one). Its size and alignment
 * are part of the ABI: the library's state grows inside this storage, never
 * beyond it, so a new library under the same SONAME keeps every caller's
 * layout (docs/abi.md).
 * An open handle may move to other storage by copying its bytes (memcpy; a
 * C++ move), with a reservation or a peek outstanding, provided no call is
 * running on it and it is in no wait set (a wait set keeps its address);
 * then zero the old storage or never use it again. The library keeps no
 * pointer into a handle's storage; a copy that both ends use is two users
 * of one handle, which is not allowed.
 */
#define SHMCHAN_CHANNEL_SIZE 1024
struct shmchan_channel {
	uint64_t opaque_[SHMCHAN_CHANNEL_SIZE / 8];
};

/*
 * shmchan_channel_create_writer - create channel @name exclusively and attach
 * as its first writer.
 * Returns 0, or -EINVAL (NULL argument, bad name, bad geometry, unknown kind,
 * unknown wait strategy, spin_us out of range, non-zero reserved field),
 * -ENAMETOOLONG, -EEXIST (the name is taken by a live channel, or by an
 * object that is not a channel), -ESTALE (the name holds a channel whose
 * peers are all dead: use create_or_replace_writer, or `shmchan rm --stale`),
 * -ENOTSUP (kind not supported by this build), and the segment errors
 * (-EACCES, -ENOSPC, -ENOMEM, -EMFILE, -ENFILE).
 */
SHMCHAN_API int shmchan_channel_create_writer(struct shmchan_channel *ch, const char *name,
					      const struct shmchan_config *cfg);

/*
 * shmchan_channel_create_or_replace_writer - as create_writer, after removing
 * any object of that name (a leftover of a crashed process, or the channel of
 * this writer's previous run). If the old object is a channel, it is first
 * marked replaced: its readers drain it and then get -ESTALE, its writers get
 * -ESTALE, and sleepers on it are woken. They reopen by name.
 */
SHMCHAN_API int shmchan_channel_create_or_replace_writer(struct shmchan_channel *ch,
							 const char *name,
							 const struct shmchan_config *cfg);

/*
 * shmchan_channel_open_writer - join an existing channel as another producer.
 * @expect may be NULL. Returns 0, or -EINVAL, -ENAMETOOLONG, -ENOENT,
 * -EACCES, -EAGAIN (the channel is still being created: retry),
 * SHMCHAN_EBADMAGIC, SHMCHAN_EVERSION, SHMCHAN_EKIND, SHMCHAN_EGEOMETRY,
 * SHMCHAN_ETRUNCATED, -EBADMSG (inconsistent header), -ENOTSUP,
 * -EUSERS (SHMCHAN_MAX_WRITERS live writers attached; entries of dead
 * writers are reclaimed), -EPERM (the channel's file belongs to another
 * user, and @expect does not set SHMCHAN_OPEN_ANY_OWNER), -EINVAL also for
 * an unknown flag.
 */
SHMCHAN_API int shmchan_channel_open_writer(struct shmchan_channel *ch, const char *name,
					    const struct shmchan_config *expect);

/*
 * shmchan_channel_open_reader - attach as the channel's reader. The reader
 * starts at the oldest message not yet consumed. A reader whose process died
 * is taken over: the message it was reading (read or peeked, not released) is
 * delivered again, every other one exactly once.
 * Broadcast: attach as a subscriber starting at the next message written.
 * Work queue: attach as one of the competing readers.
 * Returns 0, or the errors of open_writer (except -EUSERS), and -EBUSY while
 * another reader is attached and alive (slot and record channels), -EUSERS
 * (broadcast, work queue: SHMCHAN_MAX_SUBSCRIBERS live readers attached).
 */
SHMCHAN_API int shmchan_channel_open_reader(struct shmchan_channel *ch, const char *name,
					    const struct shmchan_config *expect);

/*
 * shmchan_channel_subscribe - attach to broadcast channel @name as a
 * subscriber. @flags: 0 (start at the next message written, as open_reader)
 * or SHMCHAN_SUB_OLDEST (start at the oldest message still retained when it
 * joins; under BLOCK nothing from there on is overwritten before this
 * subscriber read it; under OVERWRITE, losses count from its first message),
 * either with SHMCHAN_SUB_OBSERVE (a read-only observer: see below).
 * Returns 0, or the errors of open_reader, SHMCHAN_EKIND (not a broadcast
 * channel), -EINVAL (unknown flag); an observer never gets -EUSERS or
 * -EBUSY, and gets -EACCES only without read permission.
 */
SHMCHAN_API int shmchan_channel_subscribe(struct shmchan_channel *ch, const char *name,
					  const struct shmchan_config *expect, unsigned flags);

/*
 * Read-only observers: shmchan_channel_subscribe (or _subscribe_fd) with
 * SHMCHAN_SUB_OBSERVE follows a broadcast channel without writing a byte
 * of it: the file is opened and mapped read-only (read permission is
 * enough; add SHMCHAN_OPEN_ANY_OWNER to @expect for another user's
 * channel), no registry entry is taken (the channel does not list it, and
 * wait_for_reader does not count it), its cursor stays in the handle. No
 * writer ever waits for it, under either policy: a message overwritten
 * before it read it is SHMCHAN_ELOST and counted in shmchan_channel_lost,
 * exactly as for an OVERWRITE subscriber. It supports read, peek, release,
 * wait_readable, recv, peek_wait, lost, depth, info and close; its waits
 * poll (sleeps of 50 us doubling to 1 ms: a sleeper must be counted in the
 * segment to be woken), and poll_fd and wait sets refuse it (-ENOTSUP). It
 * sees no end of stream (-EAGAIN, or -ETIMEDOUT, while nothing comes) but
 * sees a replacement (-ESTALE); it never steps over a dead writer's claim
 * itself: a subscriber's recovery or an overwrite does. Other kinds:
 * SHMCHAN_EKIND.
 */

/*
 * shmchan_channel_lost - subscriber: messages this handle lost to
 * overwriting (OVERWRITE policy), a running total; *@lost gets it.
 * Returns 0, or -EINVAL (NULL argument, closed handle), -ENOTSUP (not a
 * broadcast subscriber).
 */
SHMCHAN_API int shmchan_channel_lost(const struct shmchan_channel *ch, uint64_t *lost);

/*
 * shmchan_channel_write - writer: copy one message of @len bytes (0 allowed).
 * Makes no system call. Returns 0, or -EAGAIN (the ring is full: every slot
 * holds a message not yet consumed; broadcast: the slowest live subscriber
 * is a lap behind (BLOCK), or another writer has not yet finished the
 * message a lap earlier in the same slot), -EMSGSIZE (@len above the slot size),
 * -EINVAL (NULL handle, NULL @data with @len > 0), -ENOTSUP (not a writer),
 * -EALREADY (a reservation is outstanding), -EBADMSG (the ring's positions
 * are corrupt), -ESTALE (the channel was replaced: reopen it), -ECANCELED
 * (as for commit: this writer stalled between its claim and its commit so
 * long that the reader stepped over it; nothing was delivered).
 */
SHMCHAN_API int shmchan_channel_write(struct shmchan_channel *ch, const void *data, size_t len);

/*
 * shmchan_channel_read - reader: copy the oldest message into @buf.
 * On success returns 0 and sets *@len. Returns -EAGAIN (nothing to read),
 * -EMSGSIZE (@cap too small: *@len gets the size needed and the message stays
 * in the channel), -EBADMSG (a corrupt slot was found and dropped; the next
 * read goes on with the following message), -EINVAL, -ENOTSUP (not the
 * reader), -EALREADY (a peek is outstanding, config.hold 1), -EPIPE (end of stream: the ring
 * is drained and no writer is attached; a writer that joins later resumes
 * it), -ESTALE (drained, and the channel was replaced: reopen it).
 * A slot whose producer died between reserve and commit is skipped (and
 * counted) once the producer is found dead; see docs/guarantees.md.
 * Record channels: a corrupt record header cannot be stepped over (its span
 * is unknown), so every read returns -EBADMSG at it from then on: the
 * channel must be recreated. Slot channels drop a corrupt slot and go on.
 * Broadcast subscribers: SHMCHAN_ELOST (OVERWRITE: messages were overwritten
 * before this subscriber read them; the count is in shmchan_channel_lost()
 * and the next read returns the oldest message retained). A BLOCK
 * subscriber never gets it.
 */
SHMCHAN_API int shmchan_channel_read(struct shmchan_channel *ch, void *buf, size_t cap,
				     size_t *len);

/*
 * shmchan_channel_reserve - writer, zero copy: claim a slot and get a pointer
 * to its payload (slot-size bytes writable). @len is checked against the slot
 * size before anything is claimed. Follow with commit (or cancel) promptly:
 * the reader cannot pass an uncommitted slot.
 * Returns 0, or -EINVAL, -EMSGSIZE, -EAGAIN (full), -ENOTSUP, -EALREADY,
 * -EBADMSG, -ESTALE.
 */
SHMCHAN_API int shmchan_channel_reserve(struct shmchan_channel *ch, size_t len, void **data);

/*
 * shmchan_channel_commit - publish the reserved slot with @len bytes.
 * Returns 0, or -EINVAL (nothing reserved), -EMSGSIZE (above the slot size;
 * the reservation stays), -ENOTSUP, -ECANCELED (slot channels and work
 * queues: the reader stepped over this reservation, having judged its
 * writer gone; nothing of the message is delivered, the slot is given back,
 * and the handle goes on: write the message again if it still matters),
 * -EBADMSG (the slot's sequence is corrupt; nothing is published).
 */
SHMCHAN_API int shmchan_channel_commit(struct shmchan_channel *ch, size_t len);

/*
 * shmchan_channel_cancel - give up the reserved slot; the reader skips it.
 * Returns 0, or -EINVAL (nothing reserved), -ENOTSUP.
 */
SHMCHAN_API int shmchan_channel_cancel(struct shmchan_channel *ch);

/*
 * shmchan_channel_peek - reader, zero copy: the oldest message not yet
 * peeked, in place. *@data stays valid until that message is released
 * (shmchan_channel_release, or _release_view with @data). Returns 0, or
 * -EAGAIN, -EBADMSG, -EPIPE, -ESTALE (as for read), -EINVAL, -ENOTSUP,
 * -EALREADY (the handle already holds config.hold messages: one, unless
 * the reader was opened with more).
 */
SHMCHAN_API int shmchan_channel_peek(struct shmchan_channel *ch, const void **data, size_t *len);

/*
 * shmchan_channel_release - reader: remove the oldest message held (the
 * one peek returned, for a handle that holds one).
 * Returns 0, or -EINVAL (nothing held), -ENOTSUP, SHMCHAN_ELOST
 * (broadcast OVERWRITE: a writer reused the slot while the view was held, so
 * what the view showed may be torn; it counts as one lost message),
 * -EBADMSG (records: a header in the span being freed is corrupt; the space
 * stays taken, as for a read at a corrupt record).
 */
SHMCHAN_API int shmchan_channel_release(struct shmchan_channel *ch);

/*
 * shmchan_channel_release_view - reader: remove the held message whose peek
 * returned @data, whichever it is. Returns as shmchan_channel_release, and
 * -EINVAL also when @data is not the start of a message this handle holds.
 */
SHMCHAN_API int shmchan_channel_release_view(struct shmchan_channel *ch, const void *data);

/*
 * shmchan_channel_held - reader: how many messages the handle holds (peeked,
 * not released). Returns that count (0 to config.hold), or -EINVAL (NULL or
 * closed handle), -ENOTSUP (not a reader).
 */
SHMCHAN_API int shmchan_channel_held(const struct shmchan_channel *ch);

/*
 * Holding several messages. A reader opened with config.hold = H (up to
 * SHMCHAN_MAX_HOLD) may peek up to H messages before releasing any, and
 * release them in any order (release_view); a decoder keeping reference
 * frames, a GStreamer buffer alive until downstream frees it, a batch.
 *   - Space is freed in order: a held message keeps its slot (its bytes, in
 *     a record channel) and every later one too, until it is released, so
 *     writers of a full ring wait for the oldest held message. The ring
 *     must be larger than H for writers to make progress while H are held.
 *   - read (copy) while messages are held is allowed when H > 1: the
 *     message read is done at once, but its room is freed only once the
 *     older held messages are. With H = 1, read with a peek outstanding is
 *     -EALREADY, as before.
 *   - A reader that dies holding messages: slot and record channels deliver
 *     every held message again to the next reader (at least once), and
 *     none of those it released or read (exactly once); broadcast
 *     subscribers are released as before, work queues hold one message.
 *   - Broadcast OVERWRITE: a held slot may still be overwritten; its
 *     release reports SHMCHAN_ELOST then, each view checked on its own.
 *   - Cost: 16 bytes of handle per message allowed; nothing in the segment.
 */

/*
 * Timeouts: @timeout_ms is relative and measured on CLOCK_MONOTONIC; 0 tries
 * once without waiting, -1 waits without limit. A signal does not cut a wait
 * short: it resumes with the time that is left. A timed-out wait changes
 * nothing in the channel.
 */

/*
 * shmchan_channel_wait_readable - reader: wait until a message can be read,
 * with the handle's wait strategy.
 * Returns 0 (readable: a read may still report -EBADMSG for a corrupt slot),
 * -ETIMEDOUT, -EPIPE, -ESTALE (as for read), -EINVAL (NULL handle, timeout
 * below -1), -ENOTSUP (not the reader).
 */
SHMCHAN_API int shmchan_channel_wait_readable(struct shmchan_channel *ch, int timeout_ms);

/*
 * shmchan_channel_wait_writable - writer: wait until the ring has room for a
 * message: a free slot, or (record channels) room for an empty record. To
 * wait for room for a record of a given size, use wait_writable_len.
 * Another writer may take the room first, so a write may still find it full.
 * Returns 0, -ETIMEDOUT, -ESTALE (replaced), -EINVAL, -ENOTSUP (not a writer).
 */
SHMCHAN_API int shmchan_channel_wait_writable(struct shmchan_channel *ch, int timeout_ms);

/*
 * shmchan_channel_wait_writable_len - writer: wait until a write of @len
 * bytes would find room (record channels: a span for a record of @len; other
 * kinds: a free slot). Returns the errors of wait_writable, and -EMSGSIZE
 * (@len above the largest message: no wait could help).
 */
SHMCHAN_API int shmchan_channel_wait_writable_len(struct shmchan_channel *ch, size_t len,
						  int timeout_ms);

/*
 * shmchan_channel_send - writer: write, waiting up to @timeout_ms for space.
 * Returns 0, or -ETIMEDOUT (still full; nothing written), and the errors of
 * shmchan_channel_write other than -EAGAIN.
 */
SHMCHAN_API int shmchan_channel_send(struct shmchan_channel *ch, const void *data, size_t len,
				     int timeout_ms);

/*
 * shmchan_channel_recv - reader: read, waiting up to @timeout_ms for a
 * message. Returns 0 with *@len set, or -ETIMEDOUT (nothing arrived), and the
 * errors of shmchan_channel_read other than -EAGAIN.
 */
SHMCHAN_API int shmchan_channel_recv(struct shmchan_channel *ch, void *buf, size_t cap, size_t *len,
				     int timeout_ms);

/*
 * shmchan_channel_wait_for_reader - writer: wait until a (live) reader is
 * attached (broadcast, work queue: at least one subscriber or reader; a
 * broadcast subscriber it saw gets every message written after it returns). Returns 0, -ETIMEDOUT,
 * -ESTALE (the channel was replaced), -EINVAL, -ENOTSUP (not a writer).
 */
SHMCHAN_API int shmchan_channel_wait_for_reader(struct shmchan_channel *ch, int timeout_ms);

/*
 * shmchan_channel_wait_for_readers - writer: as wait_for_reader, until @n
 * live readers are attached (broadcast: subscribers; work queue: competing
 * readers; 1 at most for the other kinds). @n 0 returns 0 at once. Returns
 * 0, -ETIMEDOUT, -ESTALE, -EINVAL (@n above what the kind can have, bad
 * timeout), -ENOTSUP (not a writer).
 */
SHMCHAN_API int shmchan_channel_wait_for_readers(struct shmchan_channel *ch, unsigned n,
						 int timeout_ms);

/*
 * shmchan_channel_wait_for_writer - reader: wait until a live writer is
 * attached, or a message is there to read (from a writer that came, wrote
 * and went meanwhile): a reader started before its writers, or one that got
 * -EPIPE (end of stream) and wants the stream to resume when a writer opens
 * the channel again. Sleeps (no polling) until a peer joins (a leave is
 * seen at the next sleep slice at the latest); the plain calls keep
 * returning -EPIPE at once. Returns 0 (read now: a message may be there, or
 * a writer), -ETIMEDOUT, -ESTALE (the channel was replaced and its messages
 * all read: reopen by name), -EINVAL, -ENOTSUP (not a reader).
 */
SHMCHAN_API int shmchan_channel_wait_for_writer(struct shmchan_channel *ch, int timeout_ms);

/*
 * shmchan_channel_reserve_wait - writer: reserve, waiting up to @timeout_ms
 * for room. Returns as shmchan_channel_reserve, -ETIMEDOUT for its -EAGAIN.
 */
SHMCHAN_API int shmchan_channel_reserve_wait(struct shmchan_channel *ch, size_t len, void **data,
					     int timeout_ms);

/*
 * shmchan_channel_peek_wait - reader: peek, waiting up to @timeout_ms for a
 * message. Returns as shmchan_channel_peek, -ETIMEDOUT for its -EAGAIN.
 */
SHMCHAN_API int shmchan_channel_peek_wait(struct shmchan_channel *ch, const void **data,
					  size_t *len, int timeout_ms);

/*
 * shmchan_channel_wait_created - wait up to @timeout_ms (-1: no limit) until
 * channel @name exists and its creator has published it; then open it (a
 * channel removed in between gives the open's -ENOENT: wait again). Sleeps
 * on an inotify watch of SHMCHAN_SHM_DIR, woken when an event names the
 * channel's file, with no polling loop: only while a channel is being laid
 * out (its header not published yet, microseconds) does it look every
 * millisecond, for 100 ms at most (a creator that died there leaves it so),
 * and it looks at least once a second anyway. Uses one descriptor for the
 * call's duration. Returns 0, -ETIMEDOUT, -EINVAL (bad name or timeout),
 * -ENAMETOOLONG, the open errors for a name that holds no valid channel
 * (SHMCHAN_EBADMAGIC, SHMCHAN_EVERSION, SHMCHAN_ETRUNCATED, -EBADMSG,
 * -EACCES), -ENOTSUP (no SHMCHAN_SHM_DIR to watch), and those of inotify
 * (-EMFILE, -ENFILE, -ENOMEM, -ENOSPC: the user's watch limit).
 */
SHMCHAN_API int shmchan_channel_wait_created(const char *name, int timeout_ms);

/*
 * shmchan_channel_poll_fd - a file descriptor for event loops: it becomes
 * readable when a call on @ch may have something to do, so that epoll,
 * poll, select and every loop built on them (GLib, libuv, asyncio) can wait
 * on the channel among their other descriptors.
 *
 * Readiness: for a reader, a read or peek may not return -EAGAIN (a
 * message, end of stream, a replaced channel, a dead writer to recover
 * from); for a writer, a write or reserve may find room (the space a reader
 * freed, or a replaced channel). Wait for input (EPOLLIN/POLLIN) only.
 * The descriptor is level-triggered in the way that matters: it stays
 * readable until a call on the handle finds nothing to do, that is returns
 * -EAGAIN (read, peek, write, reserve) or -ETIMEDOUT (a wait, recv, send):
 * that call re-arms it. So: when it is readable, call until -EAGAIN, then
 * wait again. Each arming gets one wake-up however many messages arrive.
 * A wake-up may rarely find nothing to do (a notification that crossed a
 * drain, or the safety net below): the call returns -EAGAIN and re-arms.
 * While armed it also wakes at least once a second (a publisher killed
 * between its publish and its notification, a writer killed outright), and
 * every 2 ms while a dead writer's slot is being recovered.
 *
 * Cost: on a handle with a descriptor, a call that finds nothing to do
 * makes one recv system call (to empty its socket). Publishing makes no
 * system call while no poller is armed; a
 * publish that finds an armed poller sends it one datagram (one system call,
 * once per arming). The descriptor is an epoll set over a Unix datagram
 * socket, whose name is SHMCHAN_SHM_DIR "/shmchan-poll.<nonce>.<id>"
 * (permissions as the channel's file), and a timerfd: three descriptors.
 *
 * Ownership: the handle owns the descriptor; the first call creates it and
 * arms it, later calls return the same one. Do not read, write or close it:
 * shmchan_channel_close() closes it and removes the socket's name. A poller
 * killed leaves nothing that costs publishers more than one datagram; its
 * socket's name is removed by the first publisher that finds it gone, or
 * when its registry entry is reclaimed. Across fork the child inherits
 * copies (close-on-exec), which it must not wait on; closing the handle in
 * the child closes only its copies. One thread at a time, as every call.
 *
 * Returns the descriptor (>= 0), -EINVAL (NULL or closed), -EBUSY, or the
 * errors of socket, bind, timerfd_create and epoll_create1: -EMFILE,
 * -ENFILE, -ENOMEM, -ENOBUFS, -EACCES and -EROFS (no socket can be made in
 * SHMCHAN_SHM_DIR).
 */
SHMCHAN_API int shmchan_channel_poll_fd(struct shmchan_channel *ch);

/*
 * shmchan_channel_depth - messages claimed and not yet consumed (including
 * slots a writer has reserved but not committed). A snapshot. Broadcast: for
 * a subscriber, the messages it has yet to read; for a writer, those the
 * slowest live subscriber has yet to read (at most the slot count).
 * Returns the count, or -EINVAL.
 */
SHMCHAN_API int shmchan_channel_depth(const struct shmchan_channel *ch);

/*
 * shmchan_channel_depth_bytes - bytes claimed and not consumed: for record
 * channels the span of the records in the buffer (headers and padding
 * included), for slot channels depth times the slot size. A snapshot.
 * Returns the count (64 bits: a slot channel may hold more than 2 GiB), or
 * -EINVAL, or -EBADMSG (a newosp channel whose positions are corrupt).
 */
SHMCHAN_API int64_t shmchan_channel_depth_bytes(const struct shmchan_channel *ch);

/* shmchan_channel_capacity - the slot count (record channels: the buffer
 * size in bytes), or -EINVAL. */
SHMCHAN_API int shmchan_channel_capacity(const struct shmchan_channel *ch);

/*
 * shmchan_channel_config - the channel's kind and geometry as created (mode
 * is left 0). Returns 0, or -EINVAL.
 */
SHMCHAN_API int shmchan_channel_config(const struct shmchan_channel *ch,
				       struct shmchan_config *out);

/*
 * shmchan_channel_close - detach: a writer frees its registry entry (an
 * outstanding reservation is cancelled); the reader frees the reader role (a
 * message it peeked and did not release stays for the next reader). Unmaps.
 * Does not unlink. Returns 0 or -EINVAL; safe on a closed or zeroed handle.
 * A handle copied into a child by fork still belongs to the parent: closing
 * it in the child only unmaps the child's copy (the child opens its own).
 */
SHMCHAN_API int shmchan_channel_close(struct shmchan_channel *ch);

/*
 * shmchan_channel_unlink - remove channel @name from its directory; attached
 * processes keep working on it until they close. Returns 0, or -EINVAL,
 * -ENAMETOOLONG, -ENOENT, -EACCES.
 */
SHMCHAN_API int shmchan_channel_unlink(const char *name);

#ifdef __cplusplus
}
#endif

#endif /* SHMCHAN_CHANNEL_H */
