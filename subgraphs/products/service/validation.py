"""Input checks shared by the GraphQL layer and the service: each failure names its field."""

from __future__ import annotations

import uuid

from servicekit.errors import BadUserInput
from subgraphs.products.money import MAX_AMOUNT, validate_currency, validate_price
from subgraphs.products.service.records import NewProduct, ProductChanges, ProductFilter

MAX_LIMIT = 100
DEFAULT_LIMIT = 20
MAX_NAME = 200
MAX_DESCRIPTION = 5000
MAX_CATEGORY = 100
MAX_QUERY = 200
MAX_STOCK = 2**31 - 1


def parse_id(value: str) -> uuid.UUID | None:
    """The UUID of an id, or ``None`` when it cannot be one of ours (so nothing has that id)."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def require_id(value: str, *, field: str) -> uuid.UUID:
    parsed = parse_id(value)
    if parsed is None:
        raise BadUserInput(f"{value!r} is not a valid id", field=field)
    return parsed


def validate_page(limit: int | None, offset: int | None) -> tuple[int, int]:
    """The page window; an explicit null means the default."""
    limit = DEFAULT_LIMIT if limit is None else limit
    offset = 0 if offset is None else offset
    if not 1 <= limit <= MAX_LIMIT:
        raise BadUserInput(f"limit must be between 1 and {MAX_LIMIT} (got {limit})", field="limit")
    if offset < 0:
        raise BadUserInput(f"offset must be 0 or more (got {offset})", field="offset")
    return limit, offset


def _text(value: str, *, field: str, max_length: int, required: bool) -> str:
    cleaned = value.strip()
    if required and not cleaned:
        raise BadUserInput(f"{field} must not be empty", field=field)
    if len(cleaned) > max_length:
        raise BadUserInput(f"{field} is at most {max_length} characters", field=field)
    return cleaned


def _stock(value: int) -> int:
    if not 0 <= value <= MAX_STOCK:
        raise BadUserInput("stock must be 0 or more", field="stock")
    return value


def validate_new_product(
    *, name: str, description: str, category: str, amount: int, currency: str, stock: int
) -> NewProduct:
    return NewProduct(
        name=_text(name, field="name", max_length=MAX_NAME, required=True),
        description=_text(description, field="description", max_length=MAX_DESCRIPTION, required=False),
        category=_text(category, field="category", max_length=MAX_CATEGORY, required=True),
        price=validate_price(amount, currency),
        stock=_stock(stock),
    )


def validate_changes(
    *,
    name: str | None = None,
    description: str | None = None,
    category: str | None = None,
    price: tuple[int, str] | None = None,
    stock: int | None = None,
) -> ProductChanges:
    changes = ProductChanges(
        name=None if name is None else _text(name, field="name", max_length=MAX_NAME, required=True),
        description=None
        if description is None
        else _text(description, field="description", max_length=MAX_DESCRIPTION, required=False),
        category=None
        if category is None
        else _text(category, field="category", max_length=MAX_CATEGORY, required=True),
        price=None if price is None else validate_price(*price),
        stock=None if stock is None else _stock(stock),
    )
    if changes.empty:
        raise BadUserInput("give at least one field to change", field="input")
    return changes


def validate_filter(
    *,
    q: str | None = None,
    category: str | None = None,
    seller_id: str | None = None,
    min_price: int | None = None,
    max_price: int | None = None,
    currency: str | None = None,
    in_stock: bool | None = None,
) -> tuple[ProductFilter, bool]:
    """The filter, and whether it can match anything at all (a malformed seller id cannot)."""
    query = q.strip() if q else None
    if query and len(query) > MAX_QUERY:
        raise BadUserInput(f"q is at most {MAX_QUERY} characters", field="filter.q")
    for field, value in (("filter.minPrice", min_price), ("filter.maxPrice", max_price)):
        if value is not None and not 0 <= value <= MAX_AMOUNT:
            raise BadUserInput("a price bound must be 0 or more", field=field)
    if min_price is not None and max_price is not None and min_price > max_price:
        raise BadUserInput("minPrice must not be greater than maxPrice", field="filter.minPrice")
    seller = parse_id(seller_id) if seller_id is not None else None
    matchable = seller_id is None or seller is not None
    cleaned_category = category.strip() if category else None
    return (
        ProductFilter(
            q=query or None,
            category=cleaned_category or None,
            seller_id=seller,
            min_price=min_price,
            max_price=max_price,
            currency=validate_currency(currency, field="filter.currency") if currency else None,
            in_stock=in_stock,
        ),
        matchable,
    )
