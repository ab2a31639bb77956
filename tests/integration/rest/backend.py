"""A small in-memory marketplace behind the contract schema, for testing the REST layer.

It is a real GraphQL server (graphql-core executing the contract's SDL with resolvers) with the
contract's rules in miniature: tokens, self-or-admin access, validation errors with codes,
idempotent orders, rate limiting of failed logins. The REST layer talks to it through the same
``execute`` callable it gets from the router's engine.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphql import GraphQLError, GraphQLResolveInfo, GraphQLSchema, build_schema, graphql

SCHEMA_PATH = Path(__file__).with_name("contract_schema.graphql")
TOKEN_LIFETIME = 900
MAX_FAILED_LOGINS = 5


def contract_schema() -> GraphQLSchema:
    return build_schema(SCHEMA_PATH.read_text())


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat()


def _error(message: str, code: str, **extensions: Any) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code, **extensions})


@dataclass
class Store:
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    products: dict[str, dict[str, Any]] = field(default_factory=dict)
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    access: dict[str, str] = field(default_factory=dict)
    refresh: dict[str, str] = field(default_factory=dict)
    failed_logins: dict[str, int] = field(default_factory=dict)
    idempotency: dict[tuple[str, str], tuple[str, Any]] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, Any], dict[str, str]]] = field(default_factory=list)


class Backend:
    """``await backend.execute(query, variables, operation_name, headers)`` → a GraphQL response."""

    def __init__(self) -> None:
        self.schema = contract_schema()
        self.store = Store()
        self._wire()

    async def execute(
        self, query: str, variables: Mapping[str, Any], operation_name: str | None, headers: Mapping[str, str]
    ) -> dict[str, Any]:
        self.store.calls.append((operation_name or "", dict(variables), dict(headers)))
        result = await graphql(
            self.schema,
            query,
            variable_values=dict(variables),
            operation_name=operation_name,
            context_value={"headers": {k.lower(): v for k, v in headers.items()}},
        )
        response: dict[str, Any] = {"data": result.data}
        if result.errors:
            response["errors"] = [e.formatted for e in result.errors]
        return response

    # -- helpers ---------------------------------------------------------------------------------

    def add_user(self, email: str, name: str, password: str, role: str = "USER") -> dict[str, Any]:
        user = {
            "id": str(uuid.uuid4()),
            "email": email,
            "name": name,
            "role": role,
            "password": password,
            "createdAt": _now(),
            "updatedAt": _now(),
        }
        self.store.users[user["id"]] = user
        return user

    def token_for(self, user_id: str) -> str:
        token = f"access-{uuid.uuid4().hex}"
        self.store.access[token] = user_id
        return token

    def _caller(self, info: GraphQLResolveInfo, required: bool = True) -> dict[str, Any] | None:
        header = info.context["headers"].get("authorization", "")
        scheme, _, token = header.partition(" ")
        if not header:
            if required:
                raise _error("authentication required", "UNAUTHENTICATED")
            return None
        user_id = self.store.access.get(token.strip()) if scheme.lower() == "bearer" else None
        if user_id is None or user_id not in self.store.users:
            raise _error("the access token is not valid", "UNAUTHENTICATED")
        return self.store.users[user_id]

    def _self_or_admin(self, info: GraphQLResolveInfo, user_id: str) -> dict[str, Any]:
        caller = self._caller(info)
        assert caller is not None
        if caller["id"] != user_id and caller["role"] != "ADMIN":
            raise _error("you may only act on your own account", "FORBIDDEN")
        return caller

    # -- resolvers -------------------------------------------------------------------------------

    def _wire(self) -> None:
        query = self.schema.query_type
        mutation = self.schema.mutation_type
        assert query is not None
        assert mutation is not None
        resolvers = {
            "me": self.me,
            "user": self.user,
            "product": self.product,
            "products": self.products,
            "order": self.order,
        }
        for name, resolver in resolvers.items():
            query.fields[name].resolve = resolver
        mutations = {
            "createUser": self.create_user,
            "updateUser": self.update_user,
            "deleteUser": self.delete_user,
            "authenticate": self.authenticate,
            "validateCredentials": self.validate_credentials,
            "createProduct": self.create_product,
            "updateProduct": self.update_product,
            "deleteProduct": self.delete_product,
            "createOrder": self.create_order,
            "updateOrder": self.update_order,
            "deleteOrder": self.delete_order,
        }
        for name, resolver in mutations.items():
            mutation.fields[name].resolve = resolver
        product_type = self.schema.get_type("Product")
        order_type = self.schema.get_type("Order")
        item_type = self.schema.get_type("OrderItem")
        product_type.fields["seller"].resolve = lambda p, _: self.store.users.get(p["sellerId"])  # type: ignore[union-attr]
        order_type.fields["buyer"].resolve = lambda o, _: self.store.users.get(o["buyerId"])  # type: ignore[union-attr]
        item_type.fields["product"].resolve = lambda i, _: self.store.products.get(i["productId"])  # type: ignore[union-attr]

    def me(self, _: Any, info: GraphQLResolveInfo) -> dict[str, Any] | None:
        return self._caller(info)

    def user(self, _: Any, info: GraphQLResolveInfo, id: str) -> dict[str, Any] | None:
        self._self_or_admin(info, id)
        return self.store.users.get(id)

    def create_user(self, _: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> dict[str, Any]:
        email = input["email"].strip().lower()
        if "@" not in email:
            raise _error("email must be an email address", "BAD_USER_INPUT", field="email")
        if len(input["password"]) < 8:
            raise _error("password must have at least 8 characters", "BAD_USER_INPUT", field="password")
        if not input["name"].strip():
            raise _error("name must not be empty", "BAD_USER_INPUT", field="name")
        if any(u["email"] == email for u in self.store.users.values()):
            raise _error("a user with this email exists", "CONFLICT", field="email")
        return self.add_user(email, input["name"].strip(), input["password"])

    def update_user(self, _: Any, info: GraphQLResolveInfo, id: str, input: dict[str, Any]) -> dict[str, Any]:
        self._self_or_admin(info, id)
        user = self.store.users.get(id)
        if user is None:
            raise _error("no such user", "NOT_FOUND")
        for key in ("email", "name", "password", "role"):
            if input.get(key) is not None:
                user[key] = input[key]
        user["updatedAt"] = _now()
        return user

    def delete_user(self, _: Any, info: GraphQLResolveInfo, id: str) -> bool:
        self._self_or_admin(info, id)
        if id not in self.store.users:
            raise _error("no such user", "NOT_FOUND")
        del self.store.users[id]
        return True

    def _issue(self, user_id: str) -> dict[str, Any]:
        refresh = f"refresh-{uuid.uuid4().hex}"
        self.store.refresh[refresh] = user_id
        return {
            "accessToken": self.token_for(user_id),
            "refreshToken": refresh,
            "tokenType": "Bearer",
            "expiresIn": TOKEN_LIFETIME,
        }

    def authenticate(
        self,
        _: Any,
        info: GraphQLResolveInfo,
        userId: str,
        password: str | None = None,
        refreshToken: str | None = None,
    ) -> dict[str, Any]:
        if (password is None) == (refreshToken is None):
            raise _error("give either a password or a refresh token", "BAD_USER_INPUT")
        if self.store.failed_logins.get(userId, 0) >= MAX_FAILED_LOGINS:
            raise _error("too many failed attempts", "RATE_LIMITED", retryAfter=30)
        user = self.store.users.get(userId)
        if refreshToken is not None:
            if self.store.refresh.pop(refreshToken, None) != userId:
                raise _error("the refresh token is not valid", "UNAUTHENTICATED")
            return self._issue(userId)
        if user is None or user["password"] != password:
            self.store.failed_logins[userId] = self.store.failed_logins.get(userId, 0) + 1
            raise _error("wrong user id or password", "UNAUTHENTICATED")
        return self._issue(userId)

    def validate_credentials(
        self, _: Any, info: GraphQLResolveInfo, userId: str, token: str | None = None, password: str | None = None
    ) -> dict[str, Any]:
        if (token is None) == (password is None):
            raise _error("give either a token or a password", "BAD_USER_INPUT")
        user = self.store.users.get(userId)
        if token is not None:
            valid = self.store.access.get(token) == userId
            expires = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=TOKEN_LIFETIME)).isoformat()
            return {"valid": valid, "expiresAt": expires if valid else None}
        return {"valid": user is not None and user["password"] == password, "expiresAt": None}

    def product(self, _: Any, info: GraphQLResolveInfo, id: str) -> dict[str, Any] | None:
        return self.store.products.get(id)

    def products(
        self, _: Any, info: GraphQLResolveInfo, limit: int, offset: int, filter: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        if not 1 <= limit <= 100:
            raise _error(f"limit must be between 1 and 100 (got {limit})", "BAD_USER_INPUT", field="limit")
        if offset < 0:
            raise _error(f"offset must be 0 or more (got {offset})", "BAD_USER_INPUT", field="offset")
        criteria = filter or {}
        found = sorted(self.store.products.values(), key=lambda p: (p["createdAt"], p["id"]))
        if criteria.get("q"):
            found = [p for p in found if criteria["q"].lower() in (p["name"] + " " + p["description"]).lower()]
        if criteria.get("category") is not None:
            found = [p for p in found if p["category"] == criteria["category"]]
        if criteria.get("sellerId") is not None:
            found = [p for p in found if p["sellerId"] == criteria["sellerId"]]
        if criteria.get("minPrice") is not None:
            found = [p for p in found if p["price"]["amount"] >= criteria["minPrice"]]
        if criteria.get("maxPrice") is not None:
            found = [p for p in found if p["price"]["amount"] <= criteria["maxPrice"]]
        if criteria.get("inStock") is not None:
            found = [p for p in found if (p["stock"] > 0) == criteria["inStock"]]
        page = found[offset : offset + limit]
        return {
            "items": page,
            "totalCount": len(found),
            "limit": limit,
            "offset": offset,
            "hasNextPage": offset + len(page) < len(found),
        }

    def _check_product(self, values: Mapping[str, Any]) -> None:
        if values.get("name") is not None and not values["name"].strip():
            raise _error("name must not be empty", "BAD_USER_INPUT", field="name")
        if values.get("stock") is not None and values["stock"] < 0:
            raise _error("stock must be 0 or more", "BAD_USER_INPUT", field="stock")
        price = values.get("price")
        if price is not None and (price["amount"] < 0 or len(price["currency"].strip()) != 3):
            raise _error("price needs an amount >= 0 and a 3-letter currency", "BAD_USER_INPUT", field="price")

    def create_product(self, _: Any, info: GraphQLResolveInfo, input: dict[str, Any]) -> dict[str, Any]:
        caller = self._caller(info)
        assert caller is not None
        self._check_product(input)
        product = {
            "id": str(uuid.uuid4()),
            "sellerId": caller["id"],
            "name": input["name"],
            "description": input.get("description") or "",
            "price": dict(input["price"]),
            "stock": input["stock"],
            "category": input["category"],
            "createdAt": _now(),
            "updatedAt": _now(),
        }
        self.store.products[product["id"]] = product
        return product

    def _own_product(self, info: GraphQLResolveInfo, id: str) -> dict[str, Any]:
        caller = self._caller(info)
        assert caller is not None
        product = self.store.products.get(id)
        if product is None:
            raise _error("no such product", "NOT_FOUND")
        if product["sellerId"] != caller["id"] and caller["role"] != "ADMIN":
            raise _error("only the seller may change a product", "FORBIDDEN")
        return product

    def update_product(self, _: Any, info: GraphQLResolveInfo, id: str, input: dict[str, Any]) -> dict[str, Any]:
        product = self._own_product(info, id)
        self._check_product(input)
        for key, value in input.items():
            if value is not None:
                product[key] = dict(value) if key == "price" else value
        product["updatedAt"] = _now()
        return product

    def delete_product(self, _: Any, info: GraphQLResolveInfo, id: str) -> bool:
        self._own_product(info, id)
        del self.store.products[id]
        return True

    def create_order(
        self, _: Any, info: GraphQLResolveInfo, input: dict[str, Any], idempotencyKey: str | None = None
    ) -> dict[str, Any]:
        caller = self._caller(info)
        assert caller is not None
        fingerprint = repr(input)
        if idempotencyKey is not None:
            seen = self.store.idempotency.get((caller["id"], idempotencyKey))
            if seen is not None:
                if seen[1] != fingerprint:
                    raise _error("this idempotency key was used for another order", "CONFLICT")
                return self.store.orders[seen[0]]
        if not input["items"]:
            raise _error("an order needs at least one item", "BAD_USER_INPUT", field="items")
        if not input["shippingAddress"].strip():
            raise _error("a shipping address is required", "BAD_USER_INPUT", field="shippingAddress")
        # An unknown product does not refuse the request: as in the orders subgraph, the order is
        # accepted as PENDING and the worker rejects it later (its unit price stays unknown).
        for index, item in enumerate(input["items"]):
            if item["quantity"] < 1:
                raise _error("quantity must be at least 1", "BAD_USER_INPUT", field=f"items.{index}.quantity")
        now = _now()
        order = {
            "id": str(uuid.uuid4()),
            "buyerId": caller["id"],
            "status": "PENDING",
            "items": [
                {
                    "productId": item["productId"],
                    "quantity": item["quantity"],
                    "unitPrice": dict(self.store.products[item["productId"]]["price"])
                    if item["productId"] in self.store.products
                    else None,
                }
                for item in input["items"]
            ],
            "total": None,
            "shippingAddress": input["shippingAddress"],
            "tracking": None,
            "events": [{"status": "PENDING", "at": now, "description": "order received"}],
            "rejectionReason": None,
            "createdAt": now,
            "updatedAt": now,
        }
        self.store.orders[order["id"]] = order
        if idempotencyKey is not None:
            self.store.idempotency[(caller["id"], idempotencyKey)] = (order["id"], fingerprint)
        return order

    def confirm(self, order_id: str) -> None:
        """What the order worker does: price the order and confirm it."""
        order = self.store.orders[order_id]
        total = sum(i["unitPrice"]["amount"] * i["quantity"] for i in order["items"])
        order["total"] = {"amount": total, "currency": order["items"][0]["unitPrice"]["currency"]}
        order["status"] = "CONFIRMED"
        order["events"].append({"status": "CONFIRMED", "at": _now(), "description": "stock reserved"})

    def order(self, _: Any, info: GraphQLResolveInfo, id: str) -> dict[str, Any] | None:
        caller = self._caller(info)
        assert caller is not None
        order = self.store.orders.get(id)
        if order is not None and order["buyerId"] != caller["id"] and caller["role"] != "ADMIN":
            raise _error("not your order", "FORBIDDEN")
        return order

    def _own_order(self, info: GraphQLResolveInfo, id: str) -> dict[str, Any]:
        order = self.order(None, info, id)
        if order is None:
            raise _error("no such order", "NOT_FOUND")
        return order

    def update_order(self, _: Any, info: GraphQLResolveInfo, id: str, input: dict[str, Any]) -> dict[str, Any]:
        order = self._own_order(info, id)
        if order["status"] == "CANCELLED":
            raise _error("a cancelled order cannot change", "CONFLICT")
        if input.get("shippingAddress") is not None:
            if not input["shippingAddress"].strip():
                raise _error("a shipping address is required", "BAD_USER_INPUT", field="shippingAddress")
            order["shippingAddress"] = input["shippingAddress"]
        if input.get("tracking") is not None:
            order["tracking"] = dict(input["tracking"])
        if input.get("status") is not None and input["status"] != order["status"]:
            order["status"] = input["status"]
            order["events"].append({"status": input["status"], "at": _now(), "description": "status changed"})
        order["updatedAt"] = _now()
        return order

    def delete_order(self, _: Any, info: GraphQLResolveInfo, id: str) -> dict[str, Any]:
        order = self._own_order(info, id)
        if order["status"] in ("SHIPPED", "DELIVERED"):
            raise _error("a shipped order cannot be cancelled", "CONFLICT")
        if order["status"] != "CANCELLED":
            order["status"] = "CANCELLED"
            order["events"].append({"status": "CANCELLED", "at": _now(), "description": "cancelled by the buyer"})
        return order
