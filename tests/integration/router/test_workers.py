"""``router serve --workers 2`` as real processes: both workers serve, /metrics sums them, SIGHUP reloads
every worker, SIGTERM stops them all; rate and concurrency limits count the whole router."""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from router.server.in_flight import FILE_NAME
from tests.federation.support.subgraph import FakeSubgraph
from tests.support.servers import free_port

pytestmark = pytest.mark.router

ROOT = Path(__file__).resolve().parents[3]
CONFIG = """
authentication:
  jwt:
    enabled: false
"""


@dataclass
class Router:
    process: subprocess.Popen[bytes]
    url: str
    supergraph: Path

    def workers(self) -> list[int]:
        """The worker pids below the supervisor."""
        pids: list[int] = []
        for task in Path(f"/proc/{self.process.pid}/task").glob("*/children"):
            pids.extend(int(pid) for pid in task.read_text().split())
        return pids


def wait_for(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.1)


def _ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/ready", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def start_router(
    folder: Path,
    supergraph_file: Path,
    workers: int = 2,
    *,
    config_text: str = CONFIG,
    probe: Callable[[Router, int], list[str]] | None = None,
) -> Router:
    """``router serve --workers``, ready once ``probe`` (default: GraphQL queries) has reached every worker."""
    probe = probe or serving
    supergraph = folder / "supergraph.graphql"
    supergraph.write_text(supergraph_file.read_text())
    config = folder / "router.yaml"
    config.write_text(config_text)
    port = free_port()
    env = {key: value for key, value in os.environ.items() if key != "PROMETHEUS_MULTIPROC_DIR"}
    env.update(MARKETPLACE_DATA_DIR=str(folder), MARKETPLACE_LOG_LEVEL="WARNING")
    command = [sys.executable, "-m", "router", "serve", "--supergraph", str(supergraph), "--port", str(port)]
    command += ["--workers", str(workers), "--router-config", str(config), "--no-rest", "--poll-interval", "3600"]
    process = subprocess.Popen(command, env=env, cwd=ROOT)
    router = Router(process, f"http://127.0.0.1:{port}", supergraph)
    # Ready once every worker answers: each listens only after its own start-up.
    wait_for(lambda: process.poll() is not None or (_ready(router.url) and len(set(probe(router, 40))) == workers))
    assert process.poll() is None, "the router exited during start-up"
    return router


def stop(router: Router) -> int:
    if router.process.poll() is None:
        router.process.send_signal(signal.SIGTERM)
    return router.process.wait(timeout=120)


def serving(router: Router, requests: int) -> list[str]:
    """The worker index that answered each of ``requests`` queries, each on a new connection."""
    seen = []
    for _ in range(requests):
        with httpx.Client(timeout=10) as client:  # a new connection: the kernel picks a worker per connection
            try:
                response = client.post(f"{router.url}/graphql", json={"query": "{ products { id name } }"})
            except httpx.HTTPError:
                continue
            if response.status_code == 200 and "errors" not in response.json():
                seen.append(response.headers["x-router-worker"])
    return seen


def health_serving(router: Router, requests: int) -> list[str]:
    """The worker index that answered each of ``requests`` health checks, each on a new connection."""
    seen = []
    for _ in range(requests):
        with httpx.Client(timeout=10) as client:
            try:
                response = client.get(f"{router.url}/health")
            except httpx.HTTPError:
                continue
            if response.status_code == 200:
                seen.append(response.headers["x-router-worker"])
    return seen


def metrics(router: Router) -> str:
    return httpx.get(f"{router.url}/metrics", timeout=10).text


def samples(text: str, name: str) -> list[tuple[str, float]]:
    found = []
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            labels, value = line.rsplit(" ", 1)
            found.append((labels, float(value)))
    return found


@pytest.fixture(scope="module")
def router(tmp_path_factory: pytest.TempPathFactory, supergraph_file_module: Path) -> Iterator[Router]:
    started = start_router(tmp_path_factory.mktemp("workers"), supergraph_file_module)
    yield started
    stop(started)


@pytest.fixture(scope="module")
def supergraph_file_module(tmp_path_factory: pytest.TempPathFactory, supergraph_sdl: str) -> Path:
    path = tmp_path_factory.mktemp("supergraph") / "supergraph.graphql"
    path.write_text(supergraph_sdl)
    return path


def test_both_workers_serve_from_distinct_processes(router: Router) -> None:
    seen = serving(router, 60)
    assert len(seen) == 60
    assert set(seen) == {"0", "1"}
    pids = router.workers()
    assert len(pids) == 2
    assert router.process.pid not in pids
    # Each worker reports itself, by pid, in the shared metrics.
    reported = set(
        re.findall(
            r'pid="(\d+)"', " ".join(labels for labels, _ in samples(metrics(router), "router_worker_supergraph"))
        )
    )
    assert reported == {str(pid) for pid in pids}


def test_metrics_count_the_requests_of_both_workers(router: Router) -> None:
    def graphql_requests() -> float:
        return sum(v for labels, v in samples(metrics(router), "router_http_requests_total") if "/graphql" in labels)

    before = graphql_requests()
    seen = serving(router, 40)
    assert set(seen) == {"0", "1"}  # both answered some of them
    assert graphql_requests() - before == len(seen) == 40


def test_workers_answer_malformed_requests_with_problem_documents(router: Router) -> None:
    """Each worker runs the same HTTP protocol as a single router: uvicorn's own 400s are problem documents."""
    host, port = router.url.removeprefix("http://").split(":")
    for request in (
        b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
        b"NOT HTTP AT ALL\r\n\r\n",
    ):
        for _ in range(4):  # new connections: the kernel spreads them over the workers
            with socket.create_connection((host, int(port)), timeout=10) as sock:
                sock.sendall(request)
                answer = b""
                while chunk := sock.recv(65536):
                    answer += chunk
            head, _, body = answer.partition(b"\r\n\r\n")
            assert head[9:12] == b"400", answer[:200]
            assert b"content-type: application/problem+json" in head.lower()
            assert json.loads(body)["code"] == "BAD_REQUEST"


def test_sighup_reloads_every_worker(router: Router) -> None:
    def fingerprints() -> set[float]:
        return {value for _, value in samples(metrics(router), "router_worker_supergraph")}

    old = fingerprints()
    assert len(old) == 1  # both run the same supergraph
    changed = router.supergraph.read_text() + "\n# a comment: a new text, the same schema\n"
    router.supergraph.write_text(changed)
    expected = float(int(hashlib.sha256(changed.encode()).hexdigest()[:12], 16))
    assert old != {expected}
    router.process.send_signal(signal.SIGHUP)  # polling is hourly: only the signal can reload this soon
    wait_for(lambda: fingerprints() == {expected} and len(samples(metrics(router), "router_worker_supergraph")) == 2)
    assert set(serving(router, 30)) == {"0", "1"}  # and both still serve


def test_sigterm_stops_every_worker(tmp_path: Path, supergraph_file_module: Path) -> None:
    router = start_router(tmp_path, supergraph_file_module)
    pids = router.workers()
    assert len(pids) == 2
    assert stop(router) == 0
    for pid in pids:
        assert not Path(f"/proc/{pid}").exists()  # stopped and reaped by the supervisor
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{router.url}/health", timeout=2)


def test_a_bad_configuration_stops_the_start_with_one_line(tmp_path: Path, supergraph_file_module: Path) -> None:
    config = tmp_path / "router.yaml"
    config.write_text("workers: 0\n")
    command = [sys.executable, "-m", "router", "serve", "--supergraph", str(supergraph_file_module)]
    result = subprocess.run(
        [*command, "--router-config", str(config), "--port", str(free_port())],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "MARKETPLACE_DATA_DIR": str(tmp_path)},
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert "workers: must be a positive number of worker processes" in result.stderr


def test_zero_workers_on_the_command_line_is_refused(tmp_path: Path, supergraph_file_module: Path) -> None:
    command = [sys.executable, "-m", "router", "serve", "--supergraph", str(supergraph_file_module), "--workers", "0"]
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "MARKETPLACE_DATA_DIR": str(tmp_path)},
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert "--workers: must be a positive number of worker processes" in result.stderr


def test_a_rate_limit_counts_the_requests_of_every_worker(tmp_path: Path, supergraph_file_module: Path) -> None:
    """``traffic_shaping.router.global_rate_limit`` is the router's budget, not each worker's: of 60 queries
    on new connections, spread by the kernel over both workers, exactly the capacity (20) is answered and
    the rest get 429. With a budget per worker, up to twice the capacity would pass."""
    capacity = 20
    limited = (
        CONFIG
        + f"traffic_shaping:\n  router:\n    global_rate_limit:\n      capacity: {capacity}\n      interval: 1h\n"
    )
    router = start_router(tmp_path, supergraph_file_module, config_text=limited, probe=health_serving)  # spends nothing
    try:
        history: list[tuple[int, str]] = []  # (status, worker) of every query sent
        for _ in range(60):
            with httpx.Client(timeout=10) as client:  # a new connection each: the kernel picks the worker
                response = client.post(f"{router.url}/graphql", json={"query": "{ products { id name } }"})
            history.append((response.status_code, response.headers["x-router-worker"]))
        admitted = [worker for status, worker in history if status == 200]
        refused = [worker for status, worker in history if status == 429]
        print(f"admitted by worker: {sorted(admitted)}; refused by worker: {sorted(refused)}")
        assert len(admitted) + len(refused) == 60
        assert len(admitted) == capacity
        assert {worker for _, worker in history} == {"0", "1"}  # both workers served and refused
        assert sum(v for _, v in samples(metrics(router), "router_requests_rate_limited_total")) == 60 - capacity
    finally:
        assert stop(router) == 0


def _worker_environment(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(item.decode().split("=", 1) for item in raw if b"=" in item)


def _in_flight_counts(folder: str, workers: int) -> tuple[int, list[int]]:
    """The shared count's file read as it is (total, each worker's share), without opening a slot."""
    data = (Path(folder) / FILE_NAME).read_bytes()
    total = struct.unpack_from("=q", data, 0)[0]
    return total, [struct.unpack_from("=q", data, 8 * (1 + index))[0] for index in range(workers)]


def test_a_concurrency_limit_counts_every_worker_and_outlives_a_dead_one(
    tmp_path: Path, supergraph_file_module: Path, subgraphs: dict[str, FakeSubgraph]
) -> None:
    """``traffic_shaping.router.concurrency_limit`` is the router's, not each worker's: with 3 requests held
    at the products subgraph, new queries are refused with 503 by both workers. The worker holding most of
    them is then killed; the supervisor starts it again, the new worker takes its predecessor's share off
    the count, and once the rest are answered the router admits exactly 3 at once again. Without the share
    taken back, the dead worker's requests would stay counted and fewer would be admitted for ever."""
    limit = 3
    shaping = (
        f"traffic_shaping:\n  router:\n    concurrency_limit: {limit}\n    deduplicate_requests: false\n"
        "  all:\n    deduplicate_query: false\n"
    )
    products = subgraphs["products"]
    router = start_router(tmp_path, supergraph_file_module, config_text=CONFIG + shaping, probe=health_serving)
    held: list[tuple[int | str, str]] = []  # (status or error, worker) of each held query, once answered
    threads: list[threading.Thread] = []

    def hold_one() -> None:
        try:
            with httpx.Client(timeout=60) as client:
                response = client.post(f"{router.url}/graphql", json={"query": "{ products { id name } }"})
            held.append((response.status_code, response.headers.get("x-router-worker", "")))
        except httpx.HTTPError as error:  # its worker was killed
            held.append((type(error).__name__, ""))

    def hold(count: int) -> None:
        for _ in range(count):
            threads.append(threading.Thread(target=hold_one))
            threads[-1].start()

    def refusals(attempts: int) -> list[tuple[int, str]]:
        answers = []
        for _ in range(attempts):
            with httpx.Client(timeout=10) as client:  # a new connection each: the kernel picks the worker
                response = client.post(f"{router.url}/graphql", json={"query": "{ products { id name } }"})
            answers.append((response.status_code, response.headers["x-router-worker"]))
            if {worker for _, worker in answers} == {"0", "1"}:
                break
        return answers

    try:
        pids = {int(_worker_environment(pid)["MARKETPLACE_ROUTER_WORKER"]): pid for pid in router.workers()}
        shared_dir = _worker_environment(pids[0])["MARKETPLACE_ROUTER_SHARED_DIR"]
        products.hold = threading.Event()
        hold(limit)
        wait_for(lambda: len(products.requests) == limit)
        total, shares = _in_flight_counts(shared_dir, 2)
        full = refusals(60)
        print(f"held: {total} {shares}; while full: {full}")
        assert (total, sum(shares)) == (limit, limit)
        assert {status for status, _ in full} == {503}
        assert {worker for _, worker in full} == {"0", "1"}  # both workers refused

        victim = max(range(2), key=lambda index: shares[index])
        os.kill(pids[victim], signal.SIGKILL)
        wait_for(lambda: pids[victim] not in router.workers() and len(router.workers()) == 2)
        wait_for(lambda: _in_flight_counts(shared_dir, 2)[0] == limit - shares[victim])  # the share taken back
        assert _in_flight_counts(shared_dir, 2)[1][victim] == 0
        products.hold.set()
        for thread in threads:
            thread.join(timeout=60)
        print(f"held queries answered: {held}")
        assert sorted(status for status, _ in held if status == 200) == [200] * (limit - shares[victim])
        assert _in_flight_counts(shared_dir, 2)[0] == 0

        products.requests.clear()
        products.hold = threading.Event()
        threads.clear()
        hold(limit)  # the whole limit is there again
        wait_for(lambda: len(products.requests) == limit)
        again = refusals(10)
        assert {status for status, _ in again} == {503}
    finally:
        if products.hold is not None:
            products.hold.set()
        for thread in threads:
            thread.join(timeout=60)
        assert stop(router) == 0
