"""The Python versions pyproject.toml admits are ones the lock file can install on Linux.

A package that publishes no source distribution installs only where it has a wheel: pgserver (the
embedded PostgreSQL) has wheels for CPython 3.11 and 3.12 only. Were ``requires-python`` to admit
3.13 (Debian 13's ``python3``), uv would pick that interpreter and ``make up`` / ``make test`` would
stop at ``uv sync``; bounded, uv downloads a CPython it can use instead.
"""

from __future__ import annotations

import re
import tomllib

import pytest
from packaging.specifiers import SpecifierSet

from tests.stages import ROOT

pytestmark = pytest.mark.delivery

VERSION_SPECIFIC = re.compile(r"^cp3(\d+)$")


def admitted_minors(requires_python: str) -> list[int]:
    """The CPython 3 minor versions (3.0 to 3.39) that ``requires_python`` admits."""
    specifier = SpecifierSet(requires_python)
    return [minor for minor in range(40) if specifier.contains(f"3.{minor}.0")]


def linux_minors(wheels: list[str]) -> set[int] | None:
    """The minor versions of the CPython-specific Linux x86_64 wheels, or None when a wheel serves any
    version (``py3``, ``abi3``) or when none is for Linux x86_64 (a package for other systems only)."""
    minors: set[int] = set()
    for wheel in wheels:
        python_tags, abi_tag, platform_tag = wheel.removesuffix(".whl").split("-")[-3:]
        if platform_tag != "any" and not ("linux" in platform_tag and "x86_64" in platform_tag):
            continue
        if platform_tag == "any" or abi_tag == "abi3" or not VERSION_SPECIFIC.match(python_tags.split(".")[0]):
            return None
        minors.update(int(m.group(1)) for tag in python_tags.split(".") if (m := VERSION_SPECIFIC.match(tag)))
    return minors or None


def test_admitted_minors_reads_the_bounds() -> None:
    assert admitted_minors(">=3.11,<3.13") == [11, 12]
    assert admitted_minors(">=3.11")[:3] == [11, 12, 13]


def test_linux_minors_of_wheel_names() -> None:
    assert linux_minors(["pgserver-0.1.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"]) == {11}
    assert linux_minors(["x-1-cp311-cp311-win_amd64.whl"]) is None
    assert linux_minors(["x-1-py3-none-any.whl", "x-1-cp311-cp311-manylinux_2_17_x86_64.whl"]) is None
    assert linux_minors(["x-1-cp39-abi3-manylinux_2_17_x86_64.whl"]) is None


def test_every_admitted_python_can_install_the_packages_without_a_source_distribution() -> None:
    requires_python = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    admitted = admitted_minors(requires_python)
    assert admitted, requires_python
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    lacking = []
    for package in lock["package"]:
        if "sdist" in package or not package.get("wheels"):
            continue
        minors = linux_minors([wheel["url"].rsplit("/", 1)[-1] for wheel in package["wheels"]])
        if minors is not None and set(admitted) - minors:
            missing = ", ".join(f"3.{m}" for m in sorted(set(admitted) - minors))
            lacking.append(f"{package['name']} {package['version']}: no Linux wheel for Python {missing}")
    assert lacking == [], f"requires-python = {requires_python!r} admits versions uv cannot install: {lacking}"
