"""A client-side deadline on every PostgreSQL call, for a server that has stopped answering.

`statement_timeout` is enforced by the server, so a frozen server (a stopped process, a host
that went away with its connections open) cannot enforce it, and a thread blocked on such a
connection waits for as long as the kernel keeps the socket. The watchdog keeps one deadline
per call in progress; when a deadline passes it shuts the connection's socket down, which
wakes the blocked thread with a connection error that SQLAlchemy treats as a disconnect.
"""

import heapq
import itertools
import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg

logger = logging.getLogger(__name__)


class Watchdog:
    """One timer thread for every connection of an engine; arming a call costs a heap push."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._lock = threading.Condition()
        self._deadlines: list[tuple[float, int]] = []
        self._armed: dict[int, int] = {}  # call number -> socket fd
        self._numbers = itertools.count()
        self._thread: threading.Thread | None = None

    @contextmanager
    def guard(self, fd: int) -> Iterator[None]:
        """Cut the socket `fd` if the block is still running after the deadline."""
        number = next(self._numbers)
        with self._lock:
            self._armed[number] = fd
            heapq.heappush(self._deadlines, (time.monotonic() + self.seconds, number))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="db-watchdog", daemon=True)
                self._thread.start()
            # Every deadline is `seconds` away, so a new one is the earliest only when none is
            # pending: only then must the timer thread wake (waking it on every statement cost
            # a context switch each, a quarter of a worker's time on busy reads).
            if self._deadlines[0][1] == number:
                self._lock.notify()
        try:
            yield
        finally:
            with self._lock:
                self._armed.pop(number, None)

    def _run(self) -> None:
        while True:
            with self._lock:
                while not self._deadlines:
                    self._lock.wait()
                deadline, number = self._deadlines[0]
                wait = deadline - time.monotonic()
                if wait > 0:
                    self._lock.wait(wait)
                    continue
                heapq.heappop(self._deadlines)
                fd = self._armed.pop(number, None)
                # Cut while holding the lock: the call cannot end and free the fd meanwhile.
                if fd is not None:
                    _cut(fd)


def _cut(fd: int) -> None:
    logger.warning("a database call ran past its deadline; closing its connection")
    try:
        # fromfd duplicates the descriptor; shutdown acts on the socket both share.
        with socket.fromfd(fd, socket.AF_INET, socket.SOCK_STREAM) as duplicate:
            duplicate.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed: nothing left to wake


class WatchedCursor(psycopg.Cursor[Any]):
    """A cursor whose statements run under the connection's watchdog."""

    def execute(self, *args: Any, **kwargs: Any) -> Any:
        with _guarded(self.connection):
            return super().execute(*args, **kwargs)

    def executemany(self, *args: Any, **kwargs: Any) -> None:
        with _guarded(self.connection):
            super().executemany(*args, **kwargs)


class WatchedConnection(psycopg.Connection[Any]):
    """A connection whose statements, commits and rollbacks have a client-side deadline."""

    watchdog: Watchdog | None = None

    def commit(self) -> None:
        with _guarded(self):
            super().commit()

    def rollback(self) -> None:
        with _guarded(self):
            super().rollback()


@contextmanager
def _guarded(connection: Any) -> Iterator[None]:
    watchdog = getattr(connection, "watchdog", None)
    if watchdog is None or connection.closed:
        yield
        return
    with watchdog.guard(connection.fileno()):
        yield


def connect(watchdog: Watchdog, *args: Any, **kwargs: Any) -> WatchedConnection:
    """A psycopg connection with the watchdog on it, for SQLAlchemy's `do_connect` event."""
    connection = WatchedConnection.connect(*args, cursor_factory=WatchedCursor, **kwargs)
    connection.watchdog = watchdog
    return connection
