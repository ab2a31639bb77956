"""The demo catalogue is deterministic, realistic enough, and its password hash is the documented one."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from subgraphs.products.seed import DEMO_PASSWORD, DEMO_PASSWORD_HASH
from subgraphs.products.seed_data import CATEGORIES, demo_products, demo_user, product_id, user_id

pytestmark = pytest.mark.products


def test_the_same_index_always_gives_the_same_product() -> None:
    sellers = [user_id(i) for i in range(3)]
    first = demo_products(range(10), [product_id(i) for i in range(10)], sellers)
    some = demo_products([7, 3], [product_id(7), product_id(3)], sellers)
    assert some == [first[7], first[3]]
    assert len({row[0] for row in first}) == 10
    assert {row[1] for row in first} <= set(sellers)


def test_products_look_like_products() -> None:
    rows = demo_products(range(200), [product_id(i) for i in range(200)], [user_id(0)])
    names = {row[2] for row in rows}
    assert len(names) > 150
    assert {row[4] for row in rows} <= {category.name for category in CATEGORIES}
    assert all(row[5] > 0 and row[6] == "EUR" and 0 <= row[7] <= 5000 for row in rows)
    assert all(len(row[3]) > 40 for row in rows)


def test_demo_users_have_unique_addresses() -> None:
    emails = {demo_user(i).email for i in range(2000)}
    assert len(emails) == 2000
    assert demo_user(0).id == user_id(0)


def test_the_precomputed_hash_is_the_demo_password() -> None:
    assert PasswordHasher().verify(DEMO_PASSWORD_HASH, DEMO_PASSWORD)
