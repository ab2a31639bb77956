"""Which headers go to the subgraphs: Apollo's ``headers.all.request`` rules plus our fixed ones.

Always sent: the client's ``Authorization`` (subgraphs verify the user themselves), the request id
(``X-Request-Id``), ``X-Forwarded-For`` (the client's address as the router resolved it, for logs:
subgraphs that throttle by address read it from the signed service token) and the router's service
token (with the client's address in its ``client`` claim). Rules then
add or drop others: ``propagate`` (``named`` with optional ``rename``/``default``, or ``matching``
a regular expression), ``insert`` (a fixed value) and ``remove``. Connection-level and body
headers (``Content-Length``, ``Host``...) are never copied.

Per-subgraph rules (``headers.subgraphs.<name>.request``) run after the ``all`` rules for that
subgraph only, as in Apollo Router. The engine sends one header set to every subgraph, so the sets
that differ are put in :data:`per_subgraph_headers` for the request, where the engine's fetch wrapper
(:mod:`router.server.subgraph_calls`) picks the one of the subgraph it calls.
"""

from __future__ import annotations

import contextvars
import re
from collections.abc import Mapping, Sequence

from router.server.config import HeaderRule
from servicekit.internal import HEADER as SERVICE_TOKEN_HEADER

NEVER_PROPAGATED = frozenset(
    {
        "host",
        "content-length",
        "content-type",
        "content-encoding",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "upgrade",
        "te",
        "trailer",
        "proxy-authorization",
        "proxy-authenticate",
        "accept",
        "accept-encoding",
        SERVICE_TOKEN_HEADER.lower(),  # only the router mints it; a client's copy never passes
    }
)
REQUEST_ID = "x-request-id"
FORWARDED_FOR = "x-forwarded-for"

# The current request's header sets of subgraphs that have rules of their own (name -> headers).
per_subgraph_headers: contextvars.ContextVar[Mapping[str, Mapping[str, str]] | None] = contextvars.ContextVar(
    "per_subgraph_headers", default=None
)


class HeaderPropagation:
    def __init__(self, rules: Sequence[HeaderRule], subgraph_rules: Mapping[str, Sequence[HeaderRule]] | None = None):
        self.rules = list(rules)
        self.subgraph_rules = {name: list(own) for name, own in (subgraph_rules or {}).items()}
        self._patterns = {
            id(rule): re.compile(pattern, re.IGNORECASE)
            for rule in [*self.rules, *(r for own in self.subgraph_rules.values() for r in own)]
            for pattern in [
                (rule.propagate.matching if rule.propagate else None) or (rule.remove.matching if rule.remove else None)
            ]
            if pattern is not None
        }
        # Whether some rule propagates the client headers ``matching`` a pattern: it iterates them
        # all (repeated names included), so it needs a multi-valued view of the request's headers.
        self.matches_patterns = any(
            rule.propagate is not None and rule.propagate.matching is not None
            for rule in [*self.rules, *(r for own in self.subgraph_rules.values() for r in own)]
        )

    def subgraph_headers(
        self,
        client_headers: Mapping[str, str],
        *,
        request_id: str,
        client_address: str | None,
        service_token: tuple[str, str] | None,
        subgraph: str | None = None,
    ) -> dict[str, str]:
        """The headers of the subgraph requests made for this client request.

        Without ``subgraph``: what every subgraph without rules of its own gets; with it, that
        subgraph's set (the ``all`` rules, then its own).
        """
        out: dict[str, str] = {}
        authorization = client_headers.get("authorization")
        if authorization:
            out["authorization"] = authorization
        for rule in self.rules:
            self._apply(rule, client_headers, out)
        if subgraph is not None:
            for rule in self.subgraph_rules.get(subgraph, ()):
                self._apply(rule, client_headers, out)
        out[REQUEST_ID] = request_id
        # Only the address the router resolved (see client_address.py), never the client's own chain;
        # for logs only: subgraphs take the address from the signed service token.
        if client_address:
            out[FORWARDED_FOR] = client_address
        if service_token is not None:
            out[service_token[0].lower()] = service_token[1]
        return out

    def per_subgraph(
        self,
        client_headers: Mapping[str, str],
        *,
        request_id: str,
        client_address: str | None,
        service_token: tuple[str, str] | None,
    ) -> dict[str, dict[str, str]]:
        """The header set of each subgraph with rules of its own (empty when there are none)."""
        return {
            name: self.subgraph_headers(
                client_headers,
                request_id=request_id,
                client_address=client_address,
                service_token=service_token,
                subgraph=name,
            )
            for name in self.subgraph_rules
        }

    def _apply(self, rule: HeaderRule, client: Mapping[str, str], out: dict[str, str]) -> None:
        if rule.insert is not None:
            out[rule.insert.name.lower()] = rule.insert.value
        elif rule.remove is not None:
            if rule.remove.named is not None:
                out.pop(rule.remove.named.lower(), None)
            else:
                pattern = self._patterns[id(rule)]
                for name in [n for n in out if pattern.search(n)]:
                    del out[name]
        elif rule.propagate is not None:
            propagate = rule.propagate
            if propagate.named is not None:
                name = propagate.named.lower()
                value = client.get(name, propagate.default)
                if value is not None and name not in NEVER_PROPAGATED:
                    out[(propagate.rename or name).lower()] = value
            else:
                pattern = self._patterns[id(rule)]
                for name, value in client.items():
                    if name not in NEVER_PROPAGATED and pattern.search(name):
                        out[name.lower()] = value
