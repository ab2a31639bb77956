"""CSRF prevention exactly as Apollo's: only requests a browser would have preflighted get through.

A browser sends a cross-origin "simple" request without asking the server first (no CORS
preflight) only when its ``Content-Type`` is missing or one of ``text/plain``,
``application/x-www-form-urlencoded`` and ``multipart/form-data``, and it carries no custom
header. So a request is allowed when it has a ``Content-Type`` other than those three, or when
it carries one of the configured required headers (``x-apollo-operation-name``,
``apollo-require-preflight``); anything else could have been forged by another site and is
refused with 400 before any GraphQL processing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from router.server.config import CsrfConfig

SIMPLE_CONTENT_TYPES = frozenset({"text/plain", "application/x-www-form-urlencoded", "multipart/form-data"})

CSRF_MESSAGE = (
    "This operation has been blocked as a potential Cross-Site Request Forgery (CSRF). Please either specify "
    "a 'content-type' header (with a type that is not one of application/x-www-form-urlencoded, "
    "multipart/form-data, text/plain) or provide one of the following headers: {headers}"
)


def content_type_essence(value: str | None) -> str | None:
    """The media type without parameters, lower-cased (``application/json``), or ``None`` if absent."""
    if value is None:
        return None
    essence = value.split(";", 1)[0].strip().lower()
    return essence or None


def is_preflighted(headers: Mapping[str, str], required_headers: Iterable[str]) -> bool:
    """Whether a browser must have sent a CORS preflight for a request with these headers."""
    essence = content_type_essence(headers.get("content-type"))
    if essence is not None and essence not in SIMPLE_CONTENT_TYPES:
        return True
    return any(headers.get(name.lower()) is not None for name in required_headers)


class CsrfPolicy:
    def __init__(self, config: CsrfConfig) -> None:
        self.enabled = not config.unsafe_disabled
        self.required_headers = tuple(h.lower() for h in config.required_headers)
        self.message = CSRF_MESSAGE.format(headers=", ".join(self.required_headers))

    def allows(self, headers: Mapping[str, str]) -> bool:
        return not self.enabled or is_preflighted(headers, self.required_headers)
