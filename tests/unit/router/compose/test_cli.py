"""``router compose``: stdout or an atomically written file; errors on stderr, exit 1, nothing written."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from graphql import build_schema

from router.cli import main
from router.compose.cli import compose_command
from tests.unit.router.compose.cases import VALID

pytestmark = pytest.mark.router


def _write_config(tmp_path: Path, subgraphs: list[tuple[str, str]]) -> Path:
    lines = ["federation_version: =2.9.0", "subgraphs:"]
    for index, (name, sdl) in enumerate(subgraphs):
        (tmp_path / f"{name}.graphql").write_text(sdl)
        lines += [
            f"  {name}:",
            f"    routing_url: http://127.0.0.1:{4001 + index}/graphql",
            "    schema:",
            f"      file: ./{name}.graphql",
        ]
    path = tmp_path / "supergraph.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_prints_the_supergraph_to_stdout(tmp_path: Path) -> None:
    config = _write_config(tmp_path, VALID["marketplace"])
    out, err = io.StringIO(), io.StringIO()
    assert compose_command(str(config), None, stdout=out, stderr=err) == 0
    assert err.getvalue() == ""
    text = out.getvalue()
    assert text.startswith('schema\n  @link(url: "https://specs.apollo.dev/link/v1.0")')
    assert 'ORDERS @join__graph(name: "orders", url: "http://127.0.0.1:4003/graphql")' in text
    build_schema(text)  # a valid GraphQL document


def test_writes_the_output_file_through_main(tmp_path: Path) -> None:
    config = _write_config(tmp_path, VALID["simple_entity"])
    output = tmp_path / "supergraph.graphql"
    assert main(["compose", str(config), "-o", str(output)]) == 0
    assert '@join__type(graph: USERS, key: "id")' in output.read_text()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left


def test_composition_errors_write_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # given two subgraphs that both resolve a non-shareable field, and an existing output file
    bad = [
        ("a", 'type Query { a: T }\ntype T @key(fields: "id") { id: ID! name: String }'),
        (
            "b",
            'extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])\n'
            'type Query { b: T }\ntype T @key(fields: "id") { id: ID! name: String }',
        ),
    ]
    config = _write_config(tmp_path, bad)
    output = tmp_path / "supergraph.graphql"
    output.write_text("previous")
    # when composing
    code = main(["compose", str(config), "-o", str(output)])
    # then it fails with the error on stderr naming the field and subgraphs, and the file is untouched
    captured = capsys.readouterr()
    assert code == 1
    assert captured.out == ""
    assert "INVALID_FIELD_SHARING" in captured.err
    assert '"T.name"' in captured.err
    assert output.read_text() == "previous"


def test_config_errors_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "supergraph.yaml"
    config.write_text("subgraphs:\n  a:\n    routing_url: http://a\n    schema:\n      file: ./missing.graphql\n")
    output = tmp_path / "out.graphql"
    assert main(["compose", str(config), "-o", str(output)]) == 1
    err = capsys.readouterr().err
    assert "subgraph 'a'" in err
    assert "missing.graphql" in err
    assert not output.exists()
