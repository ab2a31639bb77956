"""A small file of state shared by the workers of ``router serve --workers N`` (rate-limit buckets, the
concurrency limit's count): mapped into each process's memory, changed under an exclusive ``flock``."""

from __future__ import annotations

import fcntl
import mmap
import os
from collections.abc import Callable
from pathlib import Path

# Set by the supervisor of ``router serve --workers N``: the folder its workers share these files in.
SHARED_DIR_ENV = "MARKETPLACE_ROUTER_SHARED_DIR"


def shared_folder(shared_dir: str | None = None) -> str | None:
    """The folder for workers' shared files: ``shared_dir`` when given, else the supervisor's
    (:data:`SHARED_DIR_ENV`); None (or empty) when this process is not one of several workers."""
    return shared_dir if shared_dir is not None else os.environ.get(SHARED_DIR_ENV)


class SharedFile:
    """``path`` mapped into this process's memory (``map``, at least ``size`` bytes), changed only while
    ``fcntl.flock(shared.fd, fcntl.LOCK_EX)`` is held (called directly: a ``with`` block's or a
    ``functools.partial``'s own calls cost a sixth more per request). Files only grow, so a map another
    process made earlier stays valid.

    ``initialize(shared, previous_size)`` runs under the lock once the file is mapped, with the size the
    file had before this process opened it (0: new), so a process can set up or repair the state
    before any other process sees it half done.
    """

    def __init__(self, path: Path, size: int, initialize: Callable[[SharedFile, int], None]) -> None:
        self.path = path
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        fcntl.flock(self.fd, fcntl.LOCK_EX)
        try:
            previous = os.fstat(self.fd).st_size
            self.size = max(previous, size)
            if previous < self.size:
                os.ftruncate(self.fd, self.size)
            self.map = mmap.mmap(self.fd, self.size)
            initialize(self, previous)
        finally:
            fcntl.flock(self.fd, fcntl.LOCK_UN)

    def close(self) -> None:
        self.map.close()
        os.close(self.fd)
