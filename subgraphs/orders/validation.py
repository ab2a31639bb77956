"""Input checks with one clear ``BAD_USER_INPUT`` error each, and the idempotency fingerprint."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlparse

from servicekit.errors import BadUserInput
from subgraphs.orders.domain import (
    MAX_ADDRESS_LENGTH,
    MAX_ITEMS,
    MAX_KEY_LENGTH,
    MAX_PRODUCT_ID_LENGTH,
    MAX_QUANTITY,
    ItemRequest,
    TrackingInfo,
)

# Fixed namespace for order ids: uuid5(namespace, buyer + key) is the same in every process.
ORDER_ID_NAMESPACE = uuid.UUID("6f1c2f0e-5a3b-5c1d-9e8f-0a1b2c3d4e5f")


@dataclass(frozen=True)
class ValidOrder:
    items: tuple[ItemRequest, ...]
    shipping_address: str

    def fingerprint(self) -> str:
        """A hash of what was asked for; the same key with another fingerprint is a conflict."""
        canonical = {
            "items": sorted([item.product_id, item.quantity] for item in self.items),
            "shippingAddress": self.shipping_address,
        }
        return hashlib.sha256(json.dumps(canonical, separators=(",", ":")).encode()).hexdigest()


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def validate_address(value: str | None, field: str = "shippingAddress") -> str:
    address = (value or "").strip()
    if not address:
        raise BadUserInput("a shipping address is required", field=field)
    if len(address) > MAX_ADDRESS_LENGTH:
        raise BadUserInput(f"the shipping address is longer than {MAX_ADDRESS_LENGTH} characters", field=field)
    return address


def validate_order(items: Sequence[ItemRequest], shipping_address: str | None) -> ValidOrder:
    if not 1 <= len(items) <= MAX_ITEMS:
        raise BadUserInput(f"an order has between 1 and {MAX_ITEMS} products (got {len(items)})", field="items")
    seen: set[str] = set()
    cleaned: list[ItemRequest] = []
    for index, item in enumerate(items):
        product_id = item.product_id.strip()
        if not _is_uuid(product_id) or len(product_id) > MAX_PRODUCT_ID_LENGTH:
            raise BadUserInput(
                f"items[{index}].productId {product_id!r} is not a product id", field=f"items.{index}.productId"
            )
        product_id = str(uuid.UUID(product_id))
        if product_id in seen:
            raise BadUserInput(
                f"product {product_id} appears more than once; give each product once with its total quantity",
                field=f"items.{index}.productId",
            )
        if not 1 <= item.quantity <= MAX_QUANTITY:
            raise BadUserInput(
                f"items[{index}].quantity must be between 1 and {MAX_QUANTITY} (got {item.quantity})",
                field=f"items.{index}.quantity",
            )
        seen.add(product_id)
        cleaned.append(ItemRequest(product_id, item.quantity))
    return ValidOrder(tuple(cleaned), validate_address(shipping_address))


def validate_idempotency_key(key: str | None) -> str | None:
    if key is None:
        return None
    if not key.strip() or len(key) > MAX_KEY_LENGTH:
        raise BadUserInput(f"idempotencyKey must be 1-{MAX_KEY_LENGTH} characters", field="idempotencyKey")
    return key


def order_id_for(buyer_id: str, idempotency_key: str | None) -> uuid.UUID:
    """Deterministic for a (buyer, key) pair, so a retried submission finds its first order."""
    if idempotency_key is None:
        return uuid.uuid4()
    return uuid.uuid5(ORDER_ID_NAMESPACE, f"{buyer_id}\x1f{idempotency_key}")


def validate_tracking(tracking: TrackingInfo) -> TrackingInfo:
    carrier = tracking.carrier.strip()
    number = tracking.tracking_number.strip()
    if not carrier or len(carrier) > 100:
        raise BadUserInput("tracking.carrier must be 1-100 characters", field="tracking.carrier")
    if not number or len(number) > 100:
        raise BadUserInput("tracking.trackingNumber must be 1-100 characters", field="tracking.trackingNumber")
    url = tracking.tracking_url.strip() if tracking.tracking_url else None
    if url:
        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc or len(url) > 2000:
            raise BadUserInput("tracking.trackingUrl must be an http(s) URL", field="tracking.trackingUrl")
    return TrackingInfo(carrier, number, url or None, tracking.estimated_delivery)
