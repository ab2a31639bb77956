"""``traffic_shaping.router.concurrency_limit``: the count of client requests the router is processing.

Apollo Router is one process, so its limit counts every request of the instance. ``router serve
--workers N`` is N processes: they count in one small file in the folder the supervisor makes for them
(:data:`router.server.shared_file.SHARED_DIR_ENV`), mapped into every worker's memory and updated under
an exclusive ``flock``. The file holds the instance's total and, beside it, each worker's own share
(slot ``1 + index``; :mod:`router.server.shared_file`). A worker that dies holding requests would
leave them counted for ever; the supervisor starts its replacement under the same index, and the
replacement clears its slot and makes the total again from the shares before serving, so nothing
leaks past a restart. A single process counts in memory.

The count is taken by :class:`router.server.request_concurrency_limit.RouterConcurrencyLimit`.
"""

from __future__ import annotations

import fcntl
import struct
from pathlib import Path

from router.server.shared_file import SharedFile, shared_folder

_COUNT = struct.Struct("=q")
FILE_NAME = "in-flight.counts"


class InFlight:
    """At most ``limit`` requests in progress at once, counted in this process's memory."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("a concurrency limit needs at least one request")
        self.limit = limit
        self._count = 0

    def enter(self) -> bool:
        """Count one more request in progress: False (and nothing counted) when ``limit`` are already."""
        if self._count >= self.limit:
            return False
        self._count += 1
        return True

    def leave(self) -> None:
        """A request counted by :meth:`enter` is no longer in progress."""
        self._count -= 1

    @property
    def count(self) -> int:
        """Requests in progress (in every worker, for a shared count)."""
        return self._count

    def close(self) -> None:
        """Nothing to release for a count in memory."""


class SharedInFlight(InFlight):
    """The count of every process that opens ``path``, this one as worker ``slot`` (see the module docstring)."""

    def __init__(self, path: Path, limit: int, slot: int) -> None:
        super().__init__(limit)
        if slot < 0:
            raise ValueError("a worker's slot is a non-negative index")
        self._own = _COUNT.size * (1 + slot)
        self._file = SharedFile(path, self._own + _COUNT.size, self._take_slot)  # sets ``_map``
        self._fd = self._file.fd

    def _take_slot(self, shared: SharedFile, _previous_size: int) -> None:
        # What this slot's previous worker left counted (it died holding requests) is not in progress; the
        # total is made again from every worker's share, so no death, at any instruction, leaves it wrong
        # past the restart.
        self._map = shared.map
        self._write(self._own, 0)
        shares = (shared.size - _COUNT.size) // _COUNT.size
        self._write(0, sum(struct.unpack_from(f"={shares}q", shared.map, _COUNT.size)))

    def enter(self) -> bool:
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        try:
            total = self._read(0)
            if total >= self.limit:
                return False
            self._write(0, total + 1)
            self._write(self._own, self._read(self._own) + 1)
            return True
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def leave(self) -> None:
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        try:
            self._write(0, self._read(0) - 1)
            self._write(self._own, self._read(self._own) - 1)
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    @property
    def count(self) -> int:
        return self._read(0)

    @property
    def own(self) -> int:
        """This worker's share of the count."""
        return self._read(self._own)

    def close(self) -> None:
        self._file.close()

    def _read(self, offset: int) -> int:
        value: int = _COUNT.unpack_from(self._map, offset)[0]
        return value

    def _write(self, offset: int, value: int) -> None:
        _COUNT.pack_into(self._map, offset, value)


def open_in_flight(limit: int, worker: int | None, shared_dir: str | None = None) -> InFlight:
    """The count for ``limit``: shared through the workers' folder (``shared_dir``, by default
    :func:`router.server.shared_file.shared_folder`'s) when this process is worker ``worker`` of a
    supervisor, else in this process's memory."""
    folder = shared_folder(shared_dir)
    if not folder or worker is None:
        return InFlight(limit)
    return SharedInFlight(Path(folder) / FILE_NAME, limit, worker)
