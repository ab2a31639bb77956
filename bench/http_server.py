"""uvicorn's HTTP/1.1 protocols compared: server CPU per request, the way the router answers.

Serves an ASGI app that reads the request body and answers with a 55 KB JSON body in two ``send``
calls (as ``router.server.asgi.send_json`` does) under each protocol of :mod:`servicekit.http_protocol`,
one uvloop process at a time, drives it with the router bench's load (``bench/router.py``'s ``drive``:
50 keep-alive connections, a distinct ``Authorization`` per request) and prints the server process's
CPU time per request. The router's protocol (``router.server.app.HTTP_PROTOCOL``) was chosen with it.

    uv run python bench/http_server.py [--seconds 3] [--concurrency 50] [--repeat 2]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.router import _cpu_seconds, _free_port, _spawn, drive  # noqa: E402

BODY = b'{"data":{"text":"' + b"x" * 55_000 + b'"}}'
PROTOCOLS = {"h11": "ProblemH11Protocol", "httptools": "ProblemHttpToolsProtocol"}


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    while (await receive()).get("more_body"):
        pass
    headers = [(b"content-length", str(len(BODY)).encode()), (b"content-type", b"application/json")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": BODY})


def serve(port: int, protocol: str) -> None:
    import uvicorn

    from servicekit import http_protocol

    http = getattr(http_protocol, PROTOCOLS[protocol])
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", http=http, loop="uvloop")
    uvicorn.Server(config).run()


async def measure(protocol: str, seconds: float, concurrency: int) -> list[float]:
    port = _free_port()
    server = _spawn([sys.executable, __file__, "--serve", protocol, str(port)])
    url = f"http://127.0.0.1:{port}/graphql"
    try:
        for _ in range(100):
            try:
                await drive(url, "{ a }", 0.2, 1)
                break
            except OSError:
                await asyncio.sleep(0.1)
        await drive(url, "{ a }", 1.0, concurrency)  # warm up
        rounds = []
        for _ in range(2):
            before = _cpu_seconds(server.pid)
            count, _, errors = await drive(url, "{ a }", seconds, concurrency)
            if errors:
                raise RuntimeError(f"{protocol}: {errors} failed requests")
            rounds.append((_cpu_seconds(server.pid) - before) / count * 1e6)
        return rounds
    finally:
        server.terminate()
        server.wait(timeout=20)


async def main(seconds: float, concurrency: int, repeat: int) -> None:
    results: dict[str, list[float]] = {name: [] for name in PROTOCOLS}
    for _ in range(repeat):  # interleaved, so a burst of load from elsewhere hits both alike
        for name in PROTOCOLS:
            results[name] += await measure(name, seconds, concurrency)
    for name, rounds in results.items():
        print(f"{name:<10} server CPU µs per request: best {min(rounds):5.0f}   rounds {[round(r) for r in rounds]}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--serve", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(int(args.serve[1]), args.serve[0])
    else:
        asyncio.run(main(args.seconds, args.concurrency, args.repeat))
