"""graphql-core's "Did you mean ...?" hints, and how to drop them (no dependency beyond ``re``: the router uses it)."""

from __future__ import annotations

import re

_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


def without_suggestions(message: str) -> str:
    """``message`` without graphql-core's "Did you mean ...?" hints.

    They name fields, types, arguments and enum values close to what was sent: with introspection
    off they would leak the schema it hides, one guess at a time (Apollo Router drops them too).
    """
    return _SUGGESTION.sub("", message) if "Did you mean" in message else message
