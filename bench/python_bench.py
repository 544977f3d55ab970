#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Python benchmark: the shmchan module against multiprocessing, same run.

Every figure is measured between two processes forked for the row
('fork' start method), the producer / pinger pinned to CPU 0 and the
consumer / ponger to CPU 1 (os.sched_setaffinity; --no-pin to skip).
Every wait is bounded (WAIT_S seconds per call, JOB_DEADLINE_S per row,
after which the row's processes are killed and the run fails).

Round trips of 64-byte messages (table "64 B round trip")
----------------------------------------------------------
The pinger sends a 64-byte message (its sequence number in the first
8 bytes, 56 zero bytes) and waits for the ponger to echo it back; it
checks that the reply equals the message. One sample is the time from
just before the send call to just after the receive call returns
(time.perf_counter_ns). After a warm-up, N samples give p50, p99,
p99.9 and max in microseconds; msgs/s counts both directions (2 N over
the measured loop's wall time, checks and loop included; none for the
no-op row).

  shmchan slot       two slot channels (64 B slots, 8 slots), one per
                     direction: Writer.send(msg, timeout) and
                     Reader.recv(timeout), the default FUTEX wait (spin
                     20 us, then sleep on a futex).
  mp.Pipe duplex     one multiprocessing.Pipe(duplex=True): send_bytes,
                     poll(timeout) + recv_bytes.
  mp.Queue pair      two multiprocessing.Queue: put(msg, True, timeout),
                     get(True, timeout) (pickling, a feeder thread, a pipe
                     and a lock underneath).
  python no-op       the same pinger loop in one process with two trivial
  (overhead)         Python methods instead of send and recv (one stores the
                     message, the other returns it): the interpreter's own
                     cost inside a sample (the loop, two method calls, the
                     clock read). Compare "shmchan slot" with "C round trip
                     + this" (--c-rtt-ns gives the C figure, from
                     build/bench/shmchan-bench).

Frames of 1920x1080x3 uint8 (6,220,800 bytes) (table "6 MB frames")
---------------------------------------------------------------------
The producer writes every byte of each frame; the consumer checks it.
Same contents and same checks for every mechanism (fill_frame,
check_frame):
  written  the frame viewed as 777,600 little-endian uint64 words: every
           word set to a per-frame 64-bit pattern (frame i:
           (i + 1) * 0x9E3779B97F4A7C15 mod 2**64), then word 0 = i,
           word 1 = the write's start time (time.monotonic_ns, before the
           fill) and the last word = i. All 6,220,800 bytes are written.
  checked  word 0 and the last word equal the expected frame number, and
           one word per 4 KiB page (words 2, 514, 1026, ...: 1,519 words)
           equals the pattern; then the latency = now - word 1. The
           "full check" row compares every word instead.
After a warm-up, the consumer times N frames: frames/s, and MB/s =
frames/s x 6.2208 MB (10**6 bytes): bytes the producer really wrote and
the consumer received. Latency is per frame, from the producer starting
to write it to the consumer finishing its check; it includes the time
the frame waits in the mechanism's queue (up to 4 frames deep
everywhere except the pipe), so it is a pipeline latency, not a
one-frame latency.

  shmchan zero copy  a slot channel (slot_size 6,220,800, 4 slots). The
                     producer fills the slot in place (Writer.loan, numpy
                     over the memoryview via shmchan.as_array); the
                     consumer peeks (Reader.message), wraps the read-only
                     view with shmchan.as_array (no copy), checks,
                     releases. Nothing is copied; the consumer reads only
                     what it checks (about 12 KiB and 1,519 pages touched).
  shmchan zc full    the same, but the consumer compares all 777,600 words
  check              (reads every byte), as a copying consumer would.
  shmchan copy       the same channel kind; the producer fills a reusable
                     numpy frame and send()s it (one copy into the slot),
                     the consumer recv()s bytes (one copy out) and checks.
  mp.shared_memory   a pool of 4 multiprocessing.shared_memory blocks; a
  pool               free queue and a full queue (multiprocessing.Queue)
                     carry block names. The producer takes a free block,
                     fills it in place, sends its name; the consumer maps
                     it by name (cached after the first time), checks it
                     in place and sends the name back to the free queue.
  mp.Pipe            multiprocessing.Pipe(duplex=False): the producer fills
                     a reusable frame, send_bytes(frame); the consumer
                     poll(timeout) + recv_bytes() and checks the bytes.
  mp.Queue           multiprocessing.Queue(maxsize=4) of numpy arrays: the
                     producer fills a new array per frame (put() pickles
                     it later in a feeder thread, so a reused array could
                     be changed before it is sent) and puts it; the
                     consumer gets the unpickled array and checks it.

Ratios printed at the end: zero-copy frames/s over mp.Queue frames/s
(target >= 50x), and the shmchan 64 B round trip p50 against the
interpreter overhead (and against C round trip + overhead when
--c-rtt-ns is given).

Usage:
  PYTHONPATH=build/python python3 bench/python_bench.py [--quick]
      [--csv FILE] [--c-rtt-ns N] [--no-pin]
"""

import argparse
import csv
import dataclasses
import errno
import math
import multiprocessing
import os
import platform
import queue
import sys
import time
import traceback
from multiprocessing import shared_memory

import numpy as np

import shmchan

MSG_SIZE = 64
MSG_PAD = bytes(MSG_SIZE - 8)
RTT_SLOT_COUNT = 8
FRAME_SHAPE = (1080, 1920, 3)
FRAME_BYTES = 1080 * 1920 * 3  # 6,220,800
FRAME_WORDS = FRAME_BYTES // 8
PAGE_WORDS = 4096 // 8
FRAME_SLOTS = 4  # slot count, shared memory blocks, Queue maxsize
PATTERN_MUL = 0x9E3779B97F4A7C15
U64_MASK = (1 << 64) - 1
WAIT_S = 10.0  # bound of every single wait
JOB_DEADLINE_S = 300.0  # bound of one row (both processes)
PRODUCER_CPU = 0
CONSUMER_CPU = 1
SHM_DIR = "/dev/shm"
MB = 1e6


@dataclasses.dataclass(frozen=True)
class Counts:
    """How many round trips and frames each row measures."""

    rtt_warm: int
    rtt_shmchan: int
    rtt_noop: int
    rtt_pipe: int
    rtt_queue: int
    frame_warm: int
    frames_zc: int
    frames_zc_full: int
    frames_copy: int
    frames_shm_pool: int
    frames_pipe: int
    frames_queue: int


QUICK = Counts(rtt_warm=200, rtt_shmchan=3000, rtt_noop=3000, rtt_pipe=500,
               rtt_queue=500, frame_warm=3, frames_zc=60, frames_zc_full=30,
               frames_copy=30, frames_shm_pool=30, frames_pipe=10,
               frames_queue=10)
FULL = Counts(rtt_warm=5000, rtt_shmchan=500_000, rtt_noop=500_000,
              rtt_pipe=50_000, rtt_queue=50_000, frame_warm=20,
              frames_zc=20_000, frames_zc_full=5000, frames_copy=5000,
              frames_shm_pool=5000, frames_pipe=1000, frames_queue=800)


# ---- statistics ----


def percentile(sorted_values, q):
    """Nearest-rank percentile q (0-100) of an ascending sequence."""
    n = len(sorted_values)
    rank = max(1, math.ceil(q / 100.0 * n))
    return sorted_values[min(n, rank) - 1]


def tails(values):
    """p50, p99, p99.9 and max of values."""
    s = sorted(values)
    return {"p50": percentile(s, 50), "p99": percentile(s, 99),
            "p999": percentile(s, 99.9), "max": s[-1]}


# ---- processes ----


def _child_main(role, cpu, fn, args, results):
    """A benchmark process: pin, run fn(*args), report through results."""
    try:
        if cpu is not None:
            os.sched_setaffinity(0, {cpu})
        affinity = sorted(os.sched_getaffinity(0))
        if cpu is not None and affinity != [cpu]:
            raise RuntimeError(f"pinned to {cpu}, affinity is {affinity}")
        value = fn(*args)
        results.put((role, True, {"value": value, "affinity": affinity,
                                  "pid": os.getpid()}))
    except BaseException:  # report everything, KeyboardInterrupt too
        results.put((role, False, traceback.format_exc()))


def run_job(ctx, title, jobs, pin):
    """Run jobs [(role, cpu, fn, args)] as processes, in parallel.

    Returns {role: {"value", "affinity", "pid"}}. Raises RuntimeError if a
    process fails, dies or the row passes JOB_DEADLINE_S; the processes
    still alive are then terminated.
    """
    results = ctx.Queue()
    procs = []
    out = {}
    try:
        for role, cpu, fn, args in jobs:
            p = ctx.Process(target=_child_main, name=role, daemon=True,
                            args=(role, cpu if pin else None, fn, args,
                                  results))
            p.start()
            procs.append(p)
        deadline = time.monotonic() + JOB_DEADLINE_S
        while len(out) < len(jobs):
            try:
                role, ok, payload = results.get(timeout=0.5)
            except queue.Empty:
                dead = [p.name for p in procs
                        if p.exitcode is not None and p.name not in out]
                if dead:
                    raise RuntimeError(f"{title}: {dead} died silently")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{title}: no result after "
                                       f"{JOB_DEADLINE_S} s") from None
                continue
            if not ok:
                raise RuntimeError(f"{title}: {role} failed:\n{payload}")
            out[role] = payload
        for p in procs:
            p.join(WAIT_S)
            if p.exitcode != 0:
                raise RuntimeError(f"{title}: {p.name} exit {p.exitcode}")
    finally:
        for p in procs:
            if p.is_alive():
                p.terminate()
                p.join(5)
            if p.is_alive():
                p.kill()
                p.join(5)
        results.close()
    return out


# ---- 64-byte round trips ----


def ping_loop(send, recv, warm, count):
    """Round trips: send(msg, WAIT_S), then recv(WAIT_S) must return msg.

    Returns {"samples_ns": [count round trip times], "elapsed_ns": the
    measured loop's wall time}.
    """
    clock = time.perf_counter_ns
    pad = MSG_PAD
    timeout = WAIT_S
    for seq in range(warm):
        msg = seq.to_bytes(8, "little") + pad
        send(msg, timeout)
        if recv(timeout) != msg:
            raise RuntimeError(f"warm-up round trip {seq}: wrong reply")
    samples = [0] * count
    start = clock()
    for k in range(count):
        msg = (warm + k).to_bytes(8, "little") + pad
        t0 = clock()
        send(msg, timeout)
        reply = recv(timeout)
        t1 = clock()
        if reply != msg:
            raise RuntimeError(f"round trip {warm + k}: wrong reply")
        samples[k] = t1 - t0
    return {"samples_ns": samples, "elapsed_ns": clock() - start}


def pong_loop(send, recv, total):
    """Echo total messages: send(recv(WAIT_S), WAIT_S)."""
    timeout = WAIT_S
    for _ in range(total):
        send(recv(timeout), timeout)
    return total


class _Echo:
    """Trivial send/recv methods: the interpreter overhead of a round trip."""

    __slots__ = ("last",)

    def __init__(self):
        self.last = None

    def send(self, data, timeout=None):
        self.last = data

    def recv(self, timeout=None):
        return self.last


def noop_pinger(warm, count):
    echo = _Echo()
    return ping_loop(echo.send, echo.recv, warm, count)


def shmchan_pinger(ping_name, pong_name, warm, count):
    with shmchan.Writer.create(ping_name, slot_size=MSG_SIZE,
                               slot_count=RTT_SLOT_COUNT) as w:
        if not shmchan.wait_created(pong_name, WAIT_S):
            raise TimeoutError(f"channel {pong_name} not created")
        with shmchan.Reader(pong_name) as r:
            if not w.wait_for_readers(1, WAIT_S):
                raise TimeoutError(f"no reader on {ping_name}")
            return ping_loop(w.send, r.recv, warm, count)


def shmchan_ponger(ping_name, pong_name, total):
    with shmchan.Writer.create(pong_name, slot_size=MSG_SIZE,
                               slot_count=RTT_SLOT_COUNT) as w:
        if not shmchan.wait_created(ping_name, WAIT_S):
            raise TimeoutError(f"channel {ping_name} not created")
        with shmchan.Reader(ping_name) as r:
            return pong_loop(w.send, r.recv, total)


def _pipe_calls(conn):
    """send(msg, timeout), recv(timeout) over a multiprocessing Connection."""

    def send(data, timeout):
        conn.send_bytes(data)  # blocks only if the peer stops reading

    def recv(timeout):
        if not conn.poll(timeout):
            raise TimeoutError("pipe: nothing to read")
        return conn.recv_bytes()

    return send, recv


def _queue_calls(out_q, in_q):
    """send(msg, timeout), recv(timeout) over two multiprocessing Queues."""

    def send(data, timeout):
        out_q.put(data, True, timeout)

    def recv(timeout):
        return in_q.get(True, timeout)

    return send, recv


def pipe_pinger(conn, warm, count):
    return ping_loop(*_pipe_calls(conn), warm, count)


def pipe_ponger(conn, total):
    return pong_loop(*_pipe_calls(conn), total)


def queue_pinger(ping_q, pong_q, warm, count):
    return ping_loop(*_queue_calls(ping_q, pong_q), warm, count)


def queue_ponger(ping_q, pong_q, total):
    return pong_loop(*_queue_calls(pong_q, ping_q), total)


# ---- frames ----


def frame_pattern(i):
    """The 64-bit word that fills frame i."""
    return np.uint64(((i + 1) * PATTERN_MUL) & U64_MASK)


def fill_frame(buf, i):
    """Write frame i into the writable buffer buf (every byte of it)."""
    t = time.monotonic_ns()
    words = shmchan.as_array(buf, np.uint64, (FRAME_WORDS,))
    words.fill(frame_pattern(i))
    words[0] = i
    words[1] = t
    words[-1] = i


def check_frame(buf, i, full=False):
    """Check frame i in buf (see the module docstring); returns its latency
    in ns. The arrays over buf are gone when this returns."""
    with memoryview(buf) as m:
        if m.nbytes != FRAME_BYTES:
            raise RuntimeError(f"frame {i}: {m.nbytes} bytes")
    image = shmchan.as_array(buf, np.uint8, FRAME_SHAPE)
    words = image.reshape(-1).view(np.uint64)
    if words[0] != i or words[-1] != i:
        raise RuntimeError(f"frame {i}: numbered {words[0]}/{words[-1]}")
    body = words[2:-1] if full else words[2:-1:PAGE_WORDS]
    if np.count_nonzero(body != frame_pattern(i)):
        raise RuntimeError(f"frame {i}: pattern mismatch")
    return time.monotonic_ns() - int(words[1])


def produce_loop(write_frame, total):
    for i in range(total):
        write_frame(i)
    return total


def consume_loop(read_frame, warm, count):
    """read_frame(i) receives and checks frame i and returns its latency.
    Times count frames after warm; returns the elapsed time and latencies."""
    for i in range(warm):
        read_frame(i)
    latency = [0] * count
    start = time.perf_counter_ns()
    for k in range(count):
        latency[k] = read_frame(warm + k)
    return {"elapsed_ns": time.perf_counter_ns() - start,
            "latency_ns": latency}


def _frame_writer(name):
    w = shmchan.Writer.create(name, slot_size=FRAME_BYTES,
                              slot_count=FRAME_SLOTS)
    try:
        if not w.wait_for_readers(1, WAIT_S):
            raise TimeoutError(f"no reader on {name}")
    except BaseException:
        w.close()
        raise
    return w


def _frame_reader(name):
    if not shmchan.wait_created(name, WAIT_S):
        raise TimeoutError(f"channel {name} not created")
    return shmchan.Reader(name)


def zc_producer(name, total):
    with _frame_writer(name) as w:

        def write_frame(i):
            with w.loan(FRAME_BYTES, WAIT_S) as view:
                fill_frame(view, i)

        return produce_loop(write_frame, total)


def zc_consumer(name, full, warm, count):
    with _frame_reader(name) as r:

        def read_frame(i):
            with r.message(WAIT_S) as view:
                return check_frame(view, i, full)

        return consume_loop(read_frame, warm, count)


def copy_producer(name, total):
    frame = np.empty(FRAME_SHAPE, np.uint8)
    with _frame_writer(name) as w:

        def write_frame(i):
            fill_frame(frame, i)
            w.send(frame, WAIT_S)

        return produce_loop(write_frame, total)


def copy_consumer(name, warm, count):
    with _frame_reader(name) as r:
        return consume_loop(lambda i: check_frame(r.recv(WAIT_S), i),
                            warm, count)


def _open_block(cache, name):
    blk = cache.get(name)
    if blk is None:
        blk = cache[name] = shared_memory.SharedMemory(name)
    return blk


def _close_blocks(cache):
    for blk in cache.values():
        blk.close()


def shm_pool_producer(free_q, full_q, total):
    cache = {}
    try:

        def write_frame(i):
            name = free_q.get(True, WAIT_S)
            with _open_block(cache, name).buf[:FRAME_BYTES] as view:
                fill_frame(view, i)
            full_q.put(name, True, WAIT_S)

        return produce_loop(write_frame, total)
    finally:
        _close_blocks(cache)


def shm_pool_consumer(free_q, full_q, names, warm, count):
    cache = {}
    try:
        for name in names:
            free_q.put(name)

        def read_frame(i):
            name = full_q.get(True, WAIT_S)
            with _open_block(cache, name).buf[:FRAME_BYTES] as view:
                latency = check_frame(view, i)
            free_q.put(name, True, WAIT_S)
            return latency

        return consume_loop(read_frame, warm, count)
    finally:
        _close_blocks(cache)


def pipe_producer(conn, total):
    # 1-D: send_bytes() sends len(memoryview(buf)) bytes, which for a
    # (1080, 1920, 3) array is 1080 (its first dimension), not the frame.
    frame = np.empty(FRAME_BYTES, np.uint8)

    def write_frame(i):
        fill_frame(frame, i)
        conn.send_bytes(frame)

    return produce_loop(write_frame, total)


def pipe_consumer(conn, warm, count):
    def read_frame(i):
        if not conn.poll(WAIT_S):
            raise TimeoutError("pipe: no frame")
        return check_frame(conn.recv_bytes(), i)

    return consume_loop(read_frame, warm, count)


def queue_producer(q, total):
    def write_frame(i):
        frame = np.empty(FRAME_SHAPE, np.uint8)
        fill_frame(frame, i)
        q.put(frame, True, WAIT_S)

    return produce_loop(write_frame, total)


def queue_consumer(q, warm, count):
    return consume_loop(lambda i: check_frame(q.get(True, WAIT_S), i),
                        warm, count)


# ---- the rows ----


class Bench:
    """One run: its context, counts, channel names and results."""

    def __init__(self, counts, pin):
        self.ctx = multiprocessing.get_context("fork")
        self.counts = counts
        self.pin = pin
        self.prefix = f"pybench.{os.getpid()}."
        self.channels = []  # shmchan names to unlink
        self.blocks = []  # shared_memory names to unlink
        self.rtt = []  # (label, result dict)
        self.frames = []

    def channel(self, suffix):
        name = self.prefix + suffix
        self.channels.append(name)
        return name

    def _pair(self, title, a, b):
        """Run producer/pinger job a on CPU 0 and b on CPU 1."""
        t0 = time.monotonic()
        jobs = [(a[0], PRODUCER_CPU) + a[1:]]
        if b is not None:
            jobs.append((b[0], CONSUMER_CPU) + b[1:])
        out = run_job(self.ctx, title, jobs, self.pin)
        pins = ", ".join(f"{role} pid {r['pid']} cpus {r['affinity']}"
                         for role, r in out.items())
        print(f"  {title:<28} {time.monotonic() - t0:6.1f} s  ({pins})",
              flush=True)
        return out

    def rtt_row(self, label, pinger, ponger, count):
        """One round trip row (ponger None: the pinger alone, no rate)."""
        warm = self.counts.rtt_warm
        a = ("pinger", pinger[0], pinger[1] + (warm, count))
        b = None
        if ponger is not None:
            b = ("ponger", ponger[0], ponger[1] + (warm + count,))
        out = self._pair(label, a, b)["pinger"]["value"]
        t = tails(out["samples_ns"])
        self.rtt.append((label, {
            "count": count,
            "p50_us": t["p50"] / 1e3, "p99_us": t["p99"] / 1e3,
            "p999_us": t["p999"] / 1e3, "max_us": t["max"] / 1e3,
            "msgs_per_s": (None if ponger is None
                           else 2 * count / (out["elapsed_ns"] / 1e9)),
            "p50_ns": t["p50"]}))

    def frame_row(self, label, producer, consumer, count, read_desc):
        warm = self.counts.frame_warm
        a = ("producer", producer[0], producer[1] + (warm + count,))
        b = ("consumer", consumer[0], consumer[1] + (warm, count))
        out = self._pair(label, a, b)["consumer"]["value"]
        fps = count / (out["elapsed_ns"] / 1e9)
        t = tails(out["latency_ns"])
        self.frames.append((label, {
            "count": count, "frames_per_s": fps,
            "MB_per_s": fps * FRAME_BYTES / MB,
            "lat_p50_ms": t["p50"] / 1e6, "lat_p99_ms": t["p99"] / 1e6,
            "lat_max_ms": t["max"] / 1e6, "consumer_reads": read_desc}))

    def run_rtt(self):
        c = self.counts
        print("64 B round trips:", flush=True)
        self.rtt_row("python no-op (overhead)", (noop_pinger, ()), None,
                     c.rtt_noop)
        ping, pong = self.channel("ping"), self.channel("pong")
        self.rtt_row("shmchan slot",
                     (shmchan_pinger, (ping, pong)),
                     (shmchan_ponger, (ping, pong)), c.rtt_shmchan)
        end_a, end_b = self.ctx.Pipe(duplex=True)
        try:
            self.rtt_row("mp.Pipe duplex", (pipe_pinger, (end_a,)),
                         (pipe_ponger, (end_b,)), c.rtt_pipe)
        finally:
            end_a.close()
            end_b.close()
        ping_q, pong_q = self.ctx.Queue(), self.ctx.Queue()
        try:
            self.rtt_row("mp.Queue pair", (queue_pinger, (ping_q, pong_q)),
                         (queue_ponger, (ping_q, pong_q)), c.rtt_queue)
        finally:
            ping_q.close()
            pong_q.close()

    def run_frames(self):
        c = self.counts
        sampled = "header + 1 word/page"
        print("6 MB frames:", flush=True)
        name = self.channel("zc")
        self.frame_row("shmchan zero copy", (zc_producer, (name,)),
                       (zc_consumer, (name, False)), c.frames_zc, sampled)
        name = self.channel("zcfull")
        self.frame_row("shmchan zc full check", (zc_producer, (name,)),
                       (zc_consumer, (name, True)), c.frames_zc_full,
                       "every byte (in place)")
        name = self.channel("copy")
        self.frame_row("shmchan copy", (copy_producer, (name,)),
                       (copy_consumer, (name,)), c.frames_copy,
                       "copy out + " + sampled)
        self.run_shm_pool(sampled)
        end_r, end_w = self.ctx.Pipe(duplex=False)
        try:
            self.frame_row("mp.Pipe", (pipe_producer, (end_w,)),
                           (pipe_consumer, (end_r,)), c.frames_pipe,
                           "copy out + " + sampled)
        finally:
            end_r.close()
            end_w.close()
        q = self.ctx.Queue(FRAME_SLOTS)
        try:
            self.frame_row("mp.Queue", (queue_producer, (q,)),
                           (queue_consumer, (q,)), c.frames_queue,
                           "unpickled copy + " + sampled)
        finally:
            q.close()

    def run_shm_pool(self, sampled):
        names = []
        for k in range(FRAME_SLOTS):
            name = f"{self.prefix.replace('.', '_')}blk{k}"
            blk = shared_memory.SharedMemory(name, create=True,
                                             size=FRAME_BYTES)
            self.blocks.append(blk)
            blk.close()  # the children map the blocks by name
            names.append(name)
        free_q, full_q = self.ctx.Queue(), self.ctx.Queue()
        try:
            self.frame_row("mp.shared_memory pool",
                           (shm_pool_producer, (free_q, full_q)),
                           (shm_pool_consumer,
                            (free_q, full_q, tuple(names))),
                           self.counts.frames_shm_pool, "in place: " + sampled)
        finally:
            free_q.close()
            full_q.close()

    def cleanup(self):
        """Remove every channel and block of the run (missing is fine)."""
        for name in self.channels:
            try:
                shmchan.unlink(name)
            except shmchan.Error as e:
                if e.errno != errno.ENOENT:  # never created
                    print(f"unlink {name}: {e}", file=sys.stderr)
        for blk in self.blocks:
            try:
                blk.unlink()
            except FileNotFoundError:
                pass


# ---- report ----


def print_tables(bench):
    print()
    print("64 B round trip (pinger CPU 0, ponger CPU 1)")
    head = (f"{'mechanism':<26} {'N':>8} {'p50 us':>9} {'p99 us':>9} "
            f"{'p99.9 us':>9} {'max us':>9} {'msgs/s':>11}")
    print(head)
    print("-" * len(head))
    for label, r in bench.rtt:
        rate = r["msgs_per_s"]
        rate = "-" if rate is None else f"{rate:,.0f}"
        print(f"{label:<26} {r['count']:>8} {r['p50_us']:>9.2f} "
              f"{r['p99_us']:>9.2f} {r['p999_us']:>9.2f} "
              f"{r['max_us']:>9.1f} {rate:>11}")
    print()
    print("6 MB frames, 1920x1080x3 uint8 (producer CPU 0, consumer CPU 1)")
    head = (f"{'mechanism':<24} {'N':>5} {'frames/s':>9} {'MB/s':>8} "
            f"{'lat p50 ms':>10} {'p99 ms':>7} {'max ms':>7}  consumer reads")
    print(head)
    print("-" * len(head))
    for label, r in bench.frames:
        print(f"{label:<24} {r['count']:>5} {r['frames_per_s']:>9.1f} "
              f"{r['MB_per_s']:>8.0f} {r['lat_p50_ms']:>10.2f} "
              f"{r['lat_p99_ms']:>7.2f} {r['lat_max_ms']:>7.2f}  "
              f"{r['consumer_reads']}")


def ratios(bench, c_rtt_ns):
    """The two ratios the project targets, as (name, value) pairs."""
    frames = dict(bench.frames)
    rtt = dict(bench.rtt)
    out = []
    zc = frames["shmchan zero copy"]["frames_per_s"]
    mpq = frames["mp.Queue"]["frames_per_s"]
    out.append(("zc_over_mp_queue_frames", zc / mpq))
    full = frames["shmchan zc full check"]["frames_per_s"]
    out.append(("zc_full_check_over_mp_queue_frames", full / mpq))
    py = rtt["shmchan slot"]["p50_ns"]
    overhead = rtt["python no-op (overhead)"]["p50_ns"]
    out.append(("py_rtt_p50_ns", py))
    out.append(("interp_overhead_p50_ns", overhead))
    out.append(("py_rtt_minus_overhead_ns", py - overhead))
    if c_rtt_ns is not None:
        out.append(("c_rtt_p50_ns", c_rtt_ns))
        out.append(("py_rtt_over_c_plus_overhead", py / (c_rtt_ns + overhead)))
    return out


def print_ratios(pairs):
    r = dict(pairs)
    print()
    print("Ratios")
    x = r["zc_over_mp_queue_frames"]
    verdict = "meets" if x >= 50 else "BELOW"
    print(f"  (1) zero-copy 6 MB frames/s / mp.Queue frames/s = {x:.1f}x "
          f"({verdict} the >= 50x target)")
    print(f"      (with a consumer that reads every byte in place: "
          f"{r['zc_full_check_over_mp_queue_frames']:.1f}x)")
    print(f"  (2) Python shmchan 64 B RTT p50 = {r['py_rtt_p50_ns']:,} ns; "
          f"interpreter overhead (loop + 2 no-op method calls + clock) "
          f"p50 = {r['interp_overhead_p50_ns']:,} ns;")
    print(f"      RTT - overhead = {r['py_rtt_minus_overhead_ns']:,} ns")
    if "c_rtt_p50_ns" in r:
        print(f"      C RTT p50 (given) = {r['c_rtt_p50_ns']:,} ns: Python "
              f"RTT / (C RTT + overhead) = "
              f"{r['py_rtt_over_c_plus_overhead']:.2f}")
    else:
        print("      (give --c-rtt-ns N, the C shmchan slot 64 B RTT p50 "
              "from build/bench/shmchan-bench, for Python / (C + overhead))")


def write_csv(path, bench, pairs):
    fields = ["table", "mechanism", "count", "p50_us", "p99_us", "p999_us",
              "max_us", "msgs_per_s", "frames_per_s", "MB_per_s",
              "lat_p50_ms", "lat_p99_ms", "lat_max_ms", "consumer_reads",
              "value"]
    with open(path, "w", newline="") as f:
        out = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore")
        out.writeheader()
        for label, r in bench.rtt:
            out.writerow(dict(r, table="rtt_64B", mechanism=label))
        for label, r in bench.frames:
            out.writerow(dict(r, table="frames_6MB", mechanism=label))
        for name, value in pairs:
            out.writerow({"table": "ratio", "mechanism": name,
                          "value": value})


def shm_entries():
    return set(os.listdir(SHM_DIR))


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="shmchan Python module vs multiprocessing: 64 B round "
                    "trips and 6 MB frames between two pinned processes.")
    p.add_argument("--quick", action="store_true",
                   help="small counts: a few seconds (CI smoke run)")
    p.add_argument("--csv", metavar="FILE", help="also write results as CSV")
    p.add_argument("--c-rtt-ns", type=float, metavar="N",
                   help="the C benchmark's 64 B shmchan slot RTT p50 (ns)")
    p.add_argument("--no-pin", action="store_true",
                   help="do not pin the processes to CPUs 0 and 1")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    counts = QUICK if args.quick else FULL
    pin = not args.no_pin
    if pin and not {PRODUCER_CPU, CONSUMER_CPU} <= os.sched_getaffinity(0):
        sys.exit(f"CPUs {PRODUCER_CPU} and {CONSUMER_CPU} are not both "
                 f"available (affinity {sorted(os.sched_getaffinity(0))}); "
                 f"use --no-pin")
    started = time.monotonic()
    before = shm_entries()
    print(f"python {platform.python_version()}, numpy {np.__version__}, "
          f"shmchan {shmchan.__version__}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.2f}, start method 'fork'")
    if pin:
        print(f"pinning: producer/pinger -> CPU {PRODUCER_CPU}, "
              f"consumer/ponger -> CPU {CONSUMER_CPU} (os.sched_setaffinity)")
    else:
        print("pinning: none (--no-pin)")
    print(f"{'quick' if args.quick else 'full'} run; every wait bounded at "
          f"{WAIT_S:g} s; {SHM_DIR} has {len(before)} entries before")
    bench = Bench(counts, pin)
    try:
        bench.run_rtt()
        bench.run_frames()
    finally:
        bench.cleanup()
        after = shm_entries()
        ours = sorted(e for e in after if "pybench" in e)
        print(f"{SHM_DIR}: {len(after)} entries after; new since start: "
              f"{sorted(after - before) or 'none'}; left by this run: "
              f"{ours or 'none'}")
    print_tables(bench)
    pairs = ratios(bench, args.c_rtt_ns)
    print_ratios(pairs)
    if args.csv:
        write_csv(args.csv, bench, pairs)
        print(f"\nCSV written to {args.csv}")
    print(f"\nwall time {time.monotonic() - started:.1f} s")
    return 1 if ours else 0


if __name__ == "__main__":
    sys.exit(main())
