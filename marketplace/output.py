"""The launcher's console: every line prefixed with the name of the process that wrote it."""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

COLORS = ("36", "35", "33", "32", "34", "31", "96", "95", "93", "92")


class Output:
    def __init__(self, stream: TextIO | None = None, color: bool | None = None) -> None:
        self.stream = stream or sys.stdout
        self.color = self.stream.isatty() if color is None else color
        self._width = 10

    def widen(self, name: str) -> None:
        self._width = max(self._width, len(name))

    def _prefix(self, name: str) -> str:
        label = f"{name:<{self._width}} |"
        if not self.color:
            return label
        color = COLORS[sum(map(ord, name)) % len(COLORS)]
        return f"\x1b[{color}m{label}\x1b[0m"

    def say(self, name: str, line: str) -> None:
        self.stream.write(f"{self._prefix(name)} {line}\n")
        self.stream.flush()

    async def pump(self, name: str, stream: asyncio.StreamReader) -> None:
        while line := await stream.readline():
            self.say(name, line.decode(errors="replace").rstrip())
