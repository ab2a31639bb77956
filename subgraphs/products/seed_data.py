"""Deterministic demo catalogue: product ``i`` and user ``i`` are always the same, whatever the counts.

Each product is built from its own ``random.Random(i)``, so a second run, or a run with more
products, produces the same rows for the same indices (and the same uuid5 ids), which is what makes
``marketplace seed`` idempotent.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

NAMESPACE = uuid.UUID("5d8f3a52-2c1e-4f57-9a7e-6b0c1d2e3f40")
CATALOGUE_EPOCH = datetime(2025, 1, 1, tzinfo=UTC)
CURRENCY = "EUR"


@dataclass(frozen=True)
class Category:
    name: str
    nouns: tuple[str, ...]
    qualities: tuple[str, ...]
    price_range: tuple[int, int]  # euros
    uses: tuple[str, ...]


CATEGORIES: tuple[Category, ...] = (
    Category(
        "home",
        ("lamp", "vase", "cushion", "throw blanket", "mirror", "candle holder", "rug", "wall clock", "side table"),
        ("walnut", "oak", "linen", "wool", "brass", "ceramic", "rattan", "marble", "velvet"),
        (15, 450),
        ("a calm living room", "reading corners", "small flats", "guest rooms"),
    ),
    Category(
        "kitchen",
        ("chef's knife", "cast-iron pan", "teapot", "cutting board", "mixing bowl", "espresso cup set", "colander"),
        ("stainless", "enamelled", "stoneware", "bamboo", "copper", "porcelain", "olive-wood"),
        (8, 260),
        ("weeknight dinners", "slow weekend breakfasts", "baking bread", "entertaining friends"),
    ),
    Category(
        "electronics",
        ("wireless headphones", "bluetooth speaker", "phone charger", "e-reader", "webcam", "mechanical keyboard"),
        ("compact", "noise-cancelling", "waterproof", "fast-charging", "low-latency", "foldable"),
        (19, 899),
        ("commuting", "home offices", "long flights", "video calls"),
    ),
    Category(
        "books",
        ("novel", "cookbook", "travel guide", "field guide", "poetry collection", "graphic novel", "atlas"),
        ("illustrated", "hardcover", "pocket", "annotated", "signed", "first-edition"),
        (6, 85),
        ("rainy afternoons", "long train rides", "curious teenagers", "gift giving"),
    ),
    Category(
        "sports",
        ("yoga mat", "running jacket", "water bottle", "climbing chalk bag", "tennis racket", "cycling gloves"),
        ("lightweight", "breathable", "insulated", "non-slip", "reflective", "recycled"),
        (9, 320),
        ("early morning runs", "the climbing gym", "mountain trails", "weekend matches"),
    ),
    Category(
        "garden",
        ("watering can", "pruning shears", "raised bed", "bird feeder", "plant pot", "garden kneeler"),
        ("galvanised", "terracotta", "cedar", "weatherproof", "hand-forged", "frost-proof"),
        (7, 240),
        ("balcony gardens", "vegetable patches", "herb boxes", "allotments"),
    ),
    Category(
        "fashion",
        ("scarf", "leather belt", "canvas tote", "wool beanie", "denim jacket", "silk tie", "sneakers"),
        ("organic cotton", "merino", "vegetable-tanned", "hand-knitted", "waxed", "vintage-wash"),
        (12, 380),
        ("everyday wear", "city weekends", "cold mornings", "travel light"),
    ),
    Category(
        "toys",
        ("wooden train set", "puzzle", "building blocks", "plush bear", "kite", "board game", "marble run"),
        ("handmade", "eco-friendly", "colourful", "educational", "family-size", "travel-size"),
        (5, 150),
        ("rainy days", "family evenings", "curious toddlers", "birthday parties"),
    ),
)

BRANDS = (
    "Nordlys", "Atelier Brun", "Kōbō", "Maison Ferre", "Hollow Oak", "Tessera", "Fjellvind", "Casa Olmo",
    "Greywater", "Little Finch", "Ostrava Works", "Solvei", "Bramble & Co", "Verde Alto", "Quiet Harbour",
)  # fmt: skip

SENTENCES = (
    "Made by {brand} from {quality} materials chosen to last.",
    "Designed for {use}, it is as practical as it is good-looking.",
    "Each piece is checked by hand before it leaves the workshop.",
    "Ships in recycled packaging, ready to give.",
    "A quiet classic that fits {use}.",
    "Easy to care for: a soft cloth is all it needs.",
    "Comes with a two-year guarantee from {brand}.",
    "Small batches mean small variations; no two are quite alike.",
)

FIRST_NAMES = (
    "Ada", "Bruno", "Chiara", "Dmitri", "Elif", "Farah", "Gustav", "Hana", "Idris", "Jonas", "Kaja", "Luca",
    "Maya", "Nils", "Olga", "Pedro", "Quinn", "Rosa", "Sami", "Tove", "Umar", "Vera", "Wen", "Yusuf", "Zoe",
)  # fmt: skip
LAST_NAMES = (
    "Andersen", "Bianchi", "Costa", "Dubois", "Eriksen", "Fischer", "García", "Horvat", "Ivanova", "Jansen",
    "Kowalski", "Larsen", "Moreau", "Novak", "Okafor", "Petrov", "Rossi", "Schmidt", "Tanaka", "Weber",
)  # fmt: skip


def user_id(index: int) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"user-{index}")


def product_id(index: int) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"product-{index}")


@dataclass(frozen=True)
class DemoUser:
    id: uuid.UUID
    email: str
    name: str


def demo_user(index: int) -> DemoUser:
    first = FIRST_NAMES[index % len(FIRST_NAMES)]
    last = LAST_NAMES[(index // len(FIRST_NAMES)) % len(LAST_NAMES)]
    local = f"{first}.{last}".lower().encode("ascii", "ignore").decode()
    return DemoUser(id=user_id(index), email=f"{local}.{index}@demo.example.com", name=f"{first} {last}")


ProductRow = tuple[uuid.UUID, uuid.UUID, str, str, str, int, str, int, datetime, datetime]
PRODUCT_COLUMNS = (
    "id",
    "seller_id",
    "name",
    "description",
    "category",
    "price_amount",
    "price_currency",
    "stock",
    "created_at",
    "updated_at",
)


def demo_products(indices: Sequence[int], ids: Sequence[uuid.UUID], sellers: Sequence[uuid.UUID]) -> list[ProductRow]:
    """Products ``indices`` (with their ``ids``) of the demo catalogue, sold by ``sellers``.

    One generator, re-seeded with each index: the same index always gives the same product.
    """
    rng = random.Random()
    rows: list[ProductRow] = []
    for index, identifier in zip(indices, ids, strict=True):
        rng.seed(index)
        category = CATEGORIES[rng.randrange(len(CATEGORIES))]
        brand = rng.choice(BRANDS)
        quality = rng.choice(category.qualities)
        noun = rng.choice(category.nouns)
        use = rng.choice(category.uses)
        sentences = rng.sample(SENTENCES, 3)
        description = " ".join(s.format(brand=brand, quality=quality, use=use) for s in sentences)
        low, high = category.price_range
        euros = int(low * (high / low) ** rng.random())  # log-uniform: many cheap things, a few dear ones
        cents = rng.choice((0, 50, 90, 95, 99))
        stock = 0 if rng.random() < 0.08 else min(int(rng.paretovariate(1.2) * 3), 5000)
        created = CATALOGUE_EPOCH - timedelta(seconds=rng.randrange(365 * 24 * 3600))
        seller = sellers[rng.randrange(len(sellers))]
        name = f"{brand} {quality} {noun}"
        rows.append(
            (
                identifier,
                seller,
                name,
                description,
                category.name,
                euros * 100 + cents,
                CURRENCY,
                stock,
                created,
                created,
            )
        )
    return rows
