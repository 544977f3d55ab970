# SPDX-License-Identifier: MIT
"""shmchan: messages between processes through shared memory.

The handles and errors come from the C extension (shmchan._core); this
package adds what is easier to say in Python: the subscriber class, context
managers for loans and peeked messages, asyncio, and the numpy helper.
See docs/python.md.
"""

import asyncio as _asyncio
import contextlib as _contextlib
import errno as _errno
import math as _math

from . import _core
from ._core import (  # noqa: F401 (re-exported)
    KIND_BROADCAST,
    KIND_RECORD,
    KIND_SLOT,
    KIND_WORKQUEUE,
    MAX_SUBSCRIBERS,
    MAX_WRITERS,
    MEM_FIRST_TOUCH,
    MEM_LOCK,
    MEM_NUMA_NODE,
    MEM_PREFAULT,
    MEM_THP,
    POLICY_BLOCK,
    POLICY_OVERWRITE,
    WAIT_BACKOFF,
    WAIT_FUTEX,
    WAIT_SPIN,
    Corrupt,
    Empty,
    EndOfStream,
    Error,
    Full,
    Lost,
    MessageTooBig,
    Stale,
    Timeout,
    library_version,
    strerror,
    unlink,
    wait_created,
)

__version__ = library_version

__all__ = [
    "Writer", "Reader", "Subscriber", "unlink", "wait_created", "as_array",
    "Error", "Timeout", "EndOfStream", "Stale", "Full", "Empty",
    "MessageTooBig", "Lost", "Corrupt",
]


def _timeout_error():
    return Timeout(_errno.ETIMEDOUT, strerror(_errno.ETIMEDOUT))


async def _readable(handle, loop, deadline):
    """Wait until handle's descriptor is readable, or raise Timeout at
    deadline. One task at a time per handle (Error EBUSY for another, as
    the blocking calls give a second thread): the event loop keeps one
    reader callback per descriptor, so a second would steal the first's."""
    if getattr(handle, "_async_waiting", False):
        raise Error(_errno.EBUSY, "another task is waiting on this handle")
    fd = handle.fileno()
    fut = loop.create_future()
    handle._async_waiting = True
    loop.add_reader(fd, lambda: fut.done() or fut.set_result(None))
    try:
        if deadline is None:
            await fut
            return
        left = deadline - loop.time()
        if left <= 0:
            raise _timeout_error()
        try:
            await _asyncio.wait_for(fut, left)
        except TimeoutError:
            raise _timeout_error() from None
    finally:
        loop.remove_reader(fd)
        handle._async_waiting = False


class Writer(_core.Writer):
    """A writer handle.

    Writer(name) joins an existing channel; Writer(name, create=True, ...)
    creates it (slot_size and slot_count, or kind="record" and
    buffer_size); Writer(name, replace=True, ...) replaces whatever holds
    the name. The fields are those of struct shmchan_config.
    """

    __slots__ = ("_async_waiting",)

    @classmethod
    def create(cls, name, **config):
        """Create channel name exclusively and attach as its first writer."""
        return cls(name, create=True, **config)

    @classmethod
    def create_or_replace(cls, name, **config):
        """Create channel name, replacing whatever holds the name."""
        return cls(name, replace=True, **config)

    @_contextlib.contextmanager
    def loan(self, size, timeout=None):
        """Reserve size bytes in place; commit on leaving, cancel on an exception.

        If an exception leaves the block while a buffer of the view lives
        (a numpy array kept by the traceback), the reservation stays (so
        that the array cannot write into a slot given back) and that
        exception propagates: call cancel() once the array is gone.

            with w.loan(n) as view:
                view[:] = data
        """
        view = self.reserve(size, timeout)
        try:
            yield view
        except BaseException:
            try:
                self.cancel()
            except (BufferError, Error, ValueError):
                # A buffer of the view outlives the block (an array held by
                # the traceback's frames): giving the slot back now would
                # let it write into another message. The reservation stays;
                # cancel() once the buffer is gone. Whatever cancel() says,
                # the exception that left the block is the one raised.
                pass
            raise
        self.commit()

    async def send_async(self, data, timeout=None):
        """send() for asyncio: waits on the pollable descriptor, not a thread."""
        loop = _asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while True:
            try:
                return self.write(data)
            except Full:
                pass
            await _readable(self, loop, deadline)


class Reader(_core.Reader):
    """The reader of a channel (a broadcast channel: a subscriber from the
    next message written; a work queue: one of the competing readers)."""

    __slots__ = ("_async_waiting",)

    @_contextlib.contextmanager
    def message(self, timeout=None):
        """Peek the oldest message in place; release it on leaving.

        If an exception leaves the block while a buffer of the view lives,
        the message stays held and that exception propagates: call
        release() once the buffer is gone.

            with r.message() as view:
                header = bytes(view[:16])
        """
        view = self.peek(timeout)
        try:
            yield view
        except BaseException:
            try:
                self.release()
            except (BufferError, Error, ValueError):
                # As in Writer.loan: the message stays held until a
                # release() once its buffers are gone; the block's own
                # exception is the one raised.
                pass
            raise
        self.release()

    async def recv_async(self, timeout=None):
        """recv() for asyncio: waits on the pollable descriptor, not a thread."""
        loop = _asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while True:
            try:
                return self.read()
            except Empty:
                pass  # the read re-armed the descriptor
            await _readable(self, loop, deadline)

    def __iter__(self):
        """Messages until end of stream (blocking)."""
        while True:
            try:
                yield self.recv()
            except EndOfStream:
                return


class Subscriber(Reader):
    """A subscriber of a broadcast channel; oldest=True starts it at the
    oldest message still retained instead of the next one written."""

    __slots__ = ()

    def __init__(self, name, *, oldest=False, **expect):
        super().__init__(name, subscribe=True, oldest=oldest, **expect)


def as_array(buffer, dtype, shape):
    """A numpy array of dtype and shape over buffer, with no copy.

    buffer: a memoryview from peek() (read-only array) or reserve()
    (writable array), or any bytes-like object. The array holds a buffer
    of the message: delete it before release() or commit(), which refuse
    with BufferError while it lives.
    """
    import numpy

    count = _math.prod(shape)
    return numpy.frombuffer(buffer, dtype=dtype, count=count).reshape(shape)
