"""Federated subscriptions in the router: admission and streams (manager), and the client transports.

WebSocket (``graphql-transport-ws``) in :mod:`.websocket`; SSE and multipart HTTP in :mod:`.http`.
The subgraph side is :mod:`router.execution.subgraph_stream`, the per-event plan
:mod:`router.execution.subscription`.
"""

from router.server.subscriptions.http import StreamingEndpoint
from router.server.subscriptions.manager import Subscriptions
from router.server.subscriptions.websocket import WebSocketEndpoint

__all__ = ["StreamingEndpoint", "Subscriptions", "WebSocketEndpoint"]
