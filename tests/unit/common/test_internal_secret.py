"""The development internal secret in the data folder: processes starting together (``marketplace up``
starts every instance at once) all read one secret, never an empty or half-written file and never
one each."""

from __future__ import annotations

import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from servicekit.internal import MIN_SECRET_LENGTH, load_or_create_secret

PROCESSES = 8
ROUNDS = 25


def _secret_at(start: float, folder: Path) -> str:
    """Wait for the shared start time (so the processes really race), then load or create."""
    while time.time() < start:
        pass
    return load_or_create_secret(folder)


def test_a_folder_gets_one_secret_and_keeps_it(tmp_path: Path) -> None:
    first = load_or_create_secret(tmp_path)
    assert len(first) >= MIN_SECRET_LENGTH
    assert load_or_create_secret(tmp_path) == first
    path = tmp_path / "keys" / "internal-secret"
    assert path.read_text() == first
    assert path.stat().st_mode & 0o077 == 0  # readable by its owner only
    assert [p.name for p in path.parent.iterdir()] == ["internal-secret"]  # no temporary file left


def test_processes_starting_together_share_one_secret(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(PROCESSES, mp_context=context) as pool:
        list(pool.map(str, range(PROCESSES)))  # every worker started before the first round
        for round_ in range(ROUNDS):
            folder = tmp_path / str(round_)
            start = time.time() + 0.05
            secrets = list(pool.map(_secret_at, [start] * PROCESSES, [folder] * PROCESSES))
            assert all(len(secret) >= MIN_SECRET_LENGTH for secret in secrets), secrets
            assert len(set(secrets)) == 1, f"round {round_}: {len(set(secrets))} different secrets"
            assert (folder / "keys" / "internal-secret").read_text() == secrets[0]
