"""Supergraph loading: Apollo's supergraph SDL → API schema and federation metadata."""

from __future__ import annotations

from .errors import SupergraphError
from .loader import load_supergraph
from .model import FieldInGraph, FieldMetadata, FieldSet, SubgraphInfo, TypeInGraph, TypeMetadata
from .supergraph import Supergraph

__all__ = [
    "FieldInGraph",
    "FieldMetadata",
    "FieldSet",
    "SubgraphInfo",
    "Supergraph",
    "SupergraphError",
    "TypeInGraph",
    "TypeMetadata",
    "load_supergraph",
]
