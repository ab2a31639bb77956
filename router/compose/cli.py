"""``router compose supergraph.yaml [-o supergraph.graphql]``."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from router.compose.composer import compose
from router.compose.config import load_config
from router.compose.errors import ComposeError
from router.compose.fetch import load_subgraphs


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename, so readers never see half a file."""
    directory = path.parent if str(path.parent) else Path(".")
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def compose_command(
    config_path: str,
    output: str | None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    headers: Mapping[str, str] | None = None,
) -> int:
    """Compose the subgraphs of ``config_path``; print the supergraph or write it to ``output``.

    ``headers`` go with every ``_service`` fetch: our subgraphs answer it only with the router's token.
    Returns the process exit code: 0 on success, 1 on any error (reported on stderr; nothing written).
    """
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    try:
        config = load_config(config_path)
        if headers:
            config = config.with_introspection_headers(headers)
        inputs = load_subgraphs(config)
    except ComposeError as exc:
        err.write(f"error: {exc}\n")
        return 1
    result = compose(inputs)
    if result.supergraph_sdl is None:
        err.write(f"error: composition failed with {len(result.errors)} error(s):\n")
        for error in result.errors:
            err.write(f"  {error}\n")
        return 1
    text = result.supergraph_sdl + "\n"
    if output is None or output == "-":
        out.write(text)
        return 0
    try:
        write_atomically(Path(output), text)
    except OSError as exc:
        err.write(f"error: cannot write {output}: {exc.strerror or exc}\n")
        return 1
    return 0
