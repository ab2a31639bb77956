"""Real client transports for the router's subscriptions: SSE and multipart readers (httpx streams)."""

from __future__ import annotations

import json
import queue
import re
import threading
from collections.abc import Iterable, Iterator
from typing import Any, Protocol

import httpx

MULTIPART_ACCEPT = "multipart/mixed;subscriptionSpec=1.0, application/json"
INCREMENTAL_ACCEPT = "application/json, multipart/mixed"  # GraphiQL's fetcher over HTTP
HEARTBEATS: tuple[dict[str, bool], ...] = ({}, {"hasNext": True})  # Apollo's multipart framing, incremental delivery


class Lines(Protocol):
    def iter_lines(self) -> Iterable[str]: ...


class Chunks(Protocol):
    def iter_raw(self) -> Iterable[bytes]: ...


def sse_events(response: Lines) -> Iterator[tuple[str, str]]:
    """(event, data) pairs of a text/event-stream, comments (heartbeats) as ("", ":")."""
    event, data = "message", list[str]()
    for line in response.iter_lines():
        if line == "":
            if data or event != "message":
                yield event, "\n".join(data)
            event, data = "message", list[str]()
        elif line.startswith(":"):
            yield "", ":"
        elif line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].lstrip(" "))


def multipart_parts(response: Chunks, boundary: str = "graphql") -> Iterator[dict[str, Any] | None]:
    """Each JSON part of a multipart/mixed stream; ``None`` for the closing delimiter."""
    buffer = b""
    delimiter = f"\r\n--{boundary}".encode()
    for chunk in response.iter_raw():
        buffer += chunk
        while True:
            start = buffer.find(delimiter)
            if start < 0:
                break
            after = buffer[start + len(delimiter) :]
            if after.startswith(b"--"):
                yield None
                return
            end = after.find(delimiter)
            if end < 0:
                break
            part = after[:end]
            buffer = after[end:]
            head, _, body = part.partition(b"\r\n\r\n")
            assert b"content-type: application/json" in head.lower(), head
            yield json.loads(body)


class Background:
    """Reads a streaming response in a thread, so a test can act while events arrive."""

    def __init__(self, url: str, body: dict[str, Any], headers: dict[str, str], kind: str) -> None:
        self.items: queue.Queue[Any] = queue.Queue()
        self.status: int | None = None
        self.content_type = ""
        self._client = httpx.Client(timeout=httpx.Timeout(60, read=60))
        self._thread = threading.Thread(target=self._run, args=(url, body, headers, kind), daemon=True)
        self._thread.start()

    def _run(self, url: str, body: dict[str, Any], headers: dict[str, str], kind: str) -> None:
        try:
            with self._client.stream("POST", url, json=body, headers=headers) as response:
                self.status = response.status_code
                self.content_type = response.headers.get("content-type", "")
                if response.status_code != 200:
                    response.read()
                    self.items.put(("refused", response.json()))
                    return
                if kind == "sse":
                    for event, data in sse_events(response):
                        self.items.put((event, json.loads(data) if data and data != ":" else data))
                else:
                    boundary = re.search(r'boundary="?([^";]+)', self.content_type)
                    assert boundary is not None, self.content_type
                    for part in multipart_parts(response, boundary.group(1)):
                        self.items.put(("part", part))
            self.items.put(("closed", None))
        except Exception as error:  # the test closed the client
            self.items.put(("closed", error))

    def next(self, timeout: float = 20, skip_heartbeats: bool = True) -> tuple[str, Any]:
        while True:
            item = self.items.get(timeout=timeout)
            if skip_heartbeats and (item[0] == "" or (item[0] == "part" and item[1] in HEARTBEATS)):
                continue
            return item  # type: ignore[no-any-return]

    def close(self) -> None:
        self._client.close()
        self._thread.join(10)
