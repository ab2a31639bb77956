"""Subgraph sets for the differential tests: valid ones (our supergraph must match Apollo's) and
known-bad ones (both must refuse them with the given error code)."""

from __future__ import annotations

from tests.unit.router.compose.support import SubgraphSet


def fed2(imports: str, body: str, version: str = "2.9") -> str:
    return f'extend schema @link(url: "https://specs.apollo.dev/federation/v{version}", import: [{imports}])\n' + body


ALL = '"@key", "@shareable", "@external", "@requires", "@provides", "@override", "@inaccessible", "@tag"'

VALID: dict[str, SubgraphSet] = {
    "simple_entity": [
        ("users", fed2('"@key"', 'type Query { me: User }\ntype User @key(fields: "id") { id: ID! name: String! }')),
        (
            "reviews",
            fed2(
                '"@key"',
                "type Review { id: ID! body: String! author: User! }\n"
                'type User @key(fields: "id") { id: ID! reviews: [Review!]! }\n'
                "type Query { latestReviews: [Review!]! }",
            ),
        ),
    ],
    "marketplace": [
        (
            "users",
            fed2(
                '"@key", "@shareable", "@inaccessible"',
                "type Query { me: User user(id: ID!): User users(limit: Int = 20, offset: Int = 0): [User!]! }\n"
                "type Mutation { register(input: RegisterInput!): User! }\n"
                'type User @key(fields: "id") { id: ID! email: String! name: String! role: Role!'
                " passwordHash: String @inaccessible }\n"
                "enum Role { ADMIN CUSTOMER SELLER }\n"
                "input RegisterInput { email: String! name: String! password: String! }",
                "2.11",
            ),
        ),
        (
            "products",
            fed2(
                '"@key", "@shareable", "@external", "@requires"',
                "type Query { product(id: ID!): Product products(limit: Int = 20, offset: Int = 0,"
                " filter: ProductFilter): ProductPage! }\n"
                "type Mutation { createProduct(input: ProductInput!): Product! }\n"
                'type Product @key(fields: "id") { id: ID! name: String! price: Money! stock: Int! seller: User! }\n'
                "type Money @shareable { amount: Int! currency: String! }\n"
                "type ProductPage { items: [Product!]! total: Int! }\n"
                'type User @key(fields: "id") { id: ID! products: [Product!]! }\n'
                "input ProductFilter { search: String minPrice: Int maxPrice: Int }\n"
                "input ProductInput { name: String! price: Int! currency: String! stock: Int! }",
                "2.11",
            ),
        ),
        (
            "orders",
            fed2(
                '"@key", "@shareable", "@external", "@requires"',
                "type Query { order(id: ID!): Order myOrders: [Order!]! }\n"
                "type Mutation { placeOrder(input: PlaceOrderInput!): Order! cancelOrder(id: ID!): Order! }\n"
                'type Order @key(fields: "id") { id: ID! buyer: User! items: [OrderItem!]! status: OrderStatus!'
                " total: Money }\n"
                "type OrderItem { product: Product! quantity: Int! unitPrice: Money }\n"
                "type Money @shareable { amount: Int! currency: String! }\n"
                "enum OrderStatus { PENDING CONFIRMED REJECTED CANCELLED SHIPPED }\n"
                'type User @key(fields: "id") { id: ID! orders: [Order!]! }\n'
                'type Product @key(fields: "id", resolvable: false) { id: ID! }\n'
                "input PlaceOrderInput { items: [OrderItemInput!]! idempotencyKey: String! }\n"
                "input OrderItemInput { productId: ID! quantity: Int! }",
                "2.11",
            ),
        ),
    ],
    "multiple_keys": [
        (
            "catalog",
            fed2(
                '"@key"',
                "type Query { products: [Product!]! }\n"
                'type Product @key(fields: "id") @key(fields: "sku vendor { id }") { id: ID! sku: String!'
                " vendor: Vendor! name: String }\n"
                'type Vendor @key(fields: "id") { id: ID! }',
            ),
        ),
        (
            "inventory",
            fed2(
                '"@key"',
                'type Product @key(fields: "sku vendor { id }") { sku: String! vendor: Vendor! stock: Int }\n'
                'type Vendor @key(fields: "id", resolvable: false) { id: ID! }',
            ),
        ),
    ],
    "requires_provides": [
        (
            "products",
            fed2(
                ALL,
                "type Query { product(upc: String!): Product }\n"
                'type Product @key(fields: "upc") { upc: String! weight: Int price: Int'
                " dimensions: Dimensions @shareable }\n"
                "type Dimensions @shareable { width: Int height: Int }",
            ),
        ),
        (
            "shipping",
            fed2(
                ALL,
                'type Product @key(fields: "upc") { upc: String! weight: Int @external price: Int @external'
                ' dimensions: Dimensions @external shippingCost: Int @requires(fields: "weight price'
                ' dimensions { width }") }\n'
                "type Dimensions @shareable { width: Int height: Int }",
            ),
        ),
        (
            "reviews",
            fed2(
                ALL,
                "type Query { topReviews: [Review!]! }\n"
                'type Review @key(fields: "id") { id: ID! body: String product: Product @provides(fields: "name") }\n'
                'type Product @key(fields: "upc") { upc: String! name: String @external }',
            ),
        ),
        (
            "names",
            fed2(ALL, 'type Product @key(fields: "upc") { upc: String! name: String @shareable }'),
        ),
    ],
    "shareable_value_types": [
        (
            "a",
            fed2(
                ALL,
                "type Query { a(id: ID!, locale: String, flag: Boolean = false): Thing @shareable pageA: Page }\n"
                "type Thing @shareable { id: ID! label: String! note: String }\n"
                "type Page @shareable { size: Int! cursor: String }",
            ),
        ),
        (
            "b",
            fed2(
                ALL,
                "type Query { a(id: ID!, flag: Boolean = false): Thing @shareable pageB: Page }\n"
                "type Thing @shareable { id: ID! label: String }\n"
                "type Page @shareable { size: Int! cursor: String }",
            ),
        ),
    ],
    "interfaces_interface_object": [
        (
            "media",
            fed2(
                '"@key", "@shareable"',
                "type Query { media: [Media!]! }\n"
                'interface Media @key(fields: "id") { id: ID! title: String! }\n'
                'type Book implements Media @key(fields: "id") { id: ID! title: String! pages: Int }\n'
                'type Movie implements Media @key(fields: "id") { id: ID! title: String! minutes: Int }\n'
                "interface Named { name: String }\n"
                "type Author implements Named { name: String @shareable }\n"
                "type Query2 { x: Int }",
                "2.3",
            ),
        ),
        (
            "reviews",
            fed2(
                '"@key", "@interfaceObject", "@shareable"',
                'type Media @key(fields: "id") @interfaceObject { id: ID! reviews: [String!]! rating: Float }\n'
                "type Query { topMedia: [Media!]! author: Author }\n"
                "interface Named { name: String }\n"
                "type Author implements Named { name: String @shareable }",
                "2.3",
            ),
        ),
    ],
    "unions": [
        (
            "a",
            fed2(
                '"@key", "@shareable"',
                "type Query { search: [Result!]! }\n"
                "union Result = Book | Movie\n"
                'type Book @key(fields: "id") { id: ID! title: String }\n'
                'type Movie @key(fields: "id") { id: ID! }',
            ),
        ),
        (
            "b",
            fed2(
                '"@key", "@shareable"',
                "type Query { related: [Result!]! }\n"
                "union Result = Movie | Song\n"
                'type Movie @key(fields: "id") { id: ID! director: String }\n'
                'type Song @key(fields: "id") { id: ID! }',
            ),
        ),
    ],
    "enums_inputs": [
        (
            "a",
            fed2(
                '"@key", "@shareable"',
                "type Query { list(filter: Filter, sort: SortOrder): [Item!]! item: Item }\n"
                "type Item @shareable { state: State! kind: Kind }\n"
                "enum State { ON OFF }\n"
                "enum Status { ACTIVE ARCHIVED }\n"
                "enum SortOrder { ASC DESC RANDOM }\n"
                "enum Kind { BOOK FILM }\n"
                "input Filter { status: Status text: String limit: Int = 10 tags: [String!] }",
            ),
        ),
        (
            "b",
            fed2(
                '"@key", "@shareable"',
                "type Query { other(sort: SortOrder): [Item!]! }\n"
                "type Item @shareable { state: State! kind: Kind }\n"
                "enum State { ON PAUSED }\n"
                "enum Status { ACTIVE DRAFT }\n"
                "enum SortOrder { ASC DESC }\n"
                "enum Kind { BOOK FILM }\n"
                "input Filter { status: Status limit: Int = 10 tags: [String!]! }",
            ),
        ),
    ],
    "override": [
        (
            "old",
            fed2(
                ALL,
                "type Query { product(id: ID!): Product }\n"
                'type Product @key(fields: "id") @key(fields: "sku") { id: ID! sku: String! price: Int! name: String'
                ' stock: Int total: Int @requires(fields: "weight") weight: Int @external }',
            ),
        ),
        (
            "new",
            fed2(
                ALL,
                'type Product @key(fields: "id") { id: ID! price: Int @override(from: "old") name: String'
                ' @override(from: "old") sku: String! @override(from: "old") weight: Int'
                ' stock: Int @override(from: "old", label: "percent(50)") }',
                "2.7",
            ),
        ),
    ],
    "inaccessible_tags": [
        (
            "a",
            fed2(
                ALL,
                'type Query { user(id: ID! @tag(name: "public")): User @tag(name: "public") internal: Secret'
                " @inaccessible }\n"
                'type User @key(fields: "id") @tag(name: "entity") { id: ID! email: String @inaccessible'
                " role: Role }\n"
                "type Secret @inaccessible { code: String }\n"
                "enum Role { ADMIN @inaccessible USER }\n"
                "input Search { text: String internal: Boolean @inaccessible }\n"
                "type Mutation { search(q: Search): [User!]! }",
            ),
        ),
        (
            "b",
            fed2(
                ALL,
                'type User @key(fields: "id") { id: ID! nickname: String @tag(name: "pii") }\n'
                "enum Role { ADMIN USER GUEST @inaccessible }",
            ),
        ),
    ],
    "fed1": [
        (
            "accounts",
            'type Query { me: User }\ntype User @key(fields: "id") { id: ID! username: String name: String }',
        ),
        (
            "reviews",
            "extend type Query { reviews: [Review] }\n"
            'type Review @key(fields: "id") { id: ID! body: String author: User @provides(fields: "username")'
            " product: Product }\n"
            'extend type User @key(fields: "id") { id: ID! @external username: String @external'
            " reviews: [Review] }\n"
            'extend type Product @key(fields: "upc") { upc: String! @external reviews: [Review] }',
        ),
        (
            "products",
            "extend type Query { topProducts(first: Int = 5): [Product] }\n"
            'type Product @key(fields: "upc") { upc: String! name: String price: Int weight: Int }',
        ),
        (
            "inventory",
            'extend type Product @key(fields: "upc") { upc: String! @external weight: Int @external'
            ' price: Int @external inStock: Boolean shippingEstimate: Int @requires(fields: "price weight") }',
        ),
    ],
    "fed1_fed2_mix": [
        ("legacy", 'type Query { a: Point }\ntype Point { x: Int y: Int }\ntype T @key(fields: "id") { id: ID! }'),
        (
            "modern",
            fed2(
                '"@key", "@shareable"',
                "type Query { b: Point }\ntype Point @shareable { x: Int y: Int }\n"
                'type T @key(fields: "id") { id: ID! more: String }',
            ),
        ),
    ],
    "renamed_imports_and_roots": [
        (
            "a",
            'extend schema @link(url: "https://specs.apollo.dev/federation/v2.5",'
            ' import: [{name: "@key", as: "@primaryKey"}, "@shareable"])\n'
            "schema { query: RootQuery mutation: RootMutation }\n"
            "type RootQuery { thing(id: ID!): Thing }\ntype RootMutation { touch: Boolean }\n"
            'type Thing @primaryKey(fields: "id") { id: ID! label: String @shareable }',
        ),
        (
            "b",
            'extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", as: "fed", import: [])\n'
            'type Query { things: [Thing!]! }\ntype Thing @fed__key(fields: "id") { id: ID! label: String'
            " @fed__shareable }",
        ),
    ],
    "access_control": [
        (
            "a",
            fed2(
                '"@key", "@authenticated", "@requiresScopes", "@policy"',
                'type Query { me: User @authenticated admin: String @requiresScopes(scopes: [["admin"]]) }\n'
                'type User @key(fields: "id") @policy(policies: [["owner"]]) { id: ID!'
                ' email: String @requiresScopes(scopes: [["read:email"], ["admin"]]) }',
                "2.6",
            ),
        ),
        (
            "b",
            fed2(
                '"@key", "@authenticated"',
                'type User @key(fields: "id") { id: ID! orders: [String!] @authenticated }',
                "2.6",
            ),
        ),
    ],
    "descriptions_deprecated": [
        (
            "a",
            fed2(
                '"@key", "@shareable"',
                '"""The query root"""\ntype Query {\n  "get a thing"\n  thing(\n    "its id"\n    id: ID!\n  ): Thing\n'
                '  old: String @deprecated(reason: "use thing")\n}\n'
                '"""\nA thing,\nover two lines.\n"""\ntype Thing @key(fields: "id") { id: ID! when: Date }\n'
                'scalar Date @specifiedBy(url: "https://tools.ietf.org/html/rfc3339")\n'
                'enum Color { "red" RED GREEN @deprecated }',
            ),
        ),
        (
            "b",
            fed2(
                '"@key"',
                'type Thing @key(fields: "id") { id: ID! color: Color }\nscalar Date\nenum Color { RED GREEN }',
            ),
        ),
    ],
    "fed2_extensions": [
        ("a", fed2('"@key"', 'type Query { t: T }\ntype T @key(fields: "id") { id: ID! a: Int }')),
        (
            "b",
            fed2(
                '"@key", "@extends", "@external"',
                'extend type Query { u: Int }\nextend type T @key(fields: "id") { id: ID! b: Int }\n'
                'type U @extends @key(fields: "id") { id: ID! @external c: Int }',
            ),
        ),
    ],
    "nullability_merge": [
        (
            "a",
            fed2(
                '"@key", "@shareable"',
                "type Query { v: V @shareable list: [V] @shareable }\n"
                "type V @shareable { name: String! tags: [String!]! ids(first: Int!): [ID] }",
            ),
        ),
        (
            "b",
            fed2(
                '"@key", "@shareable"',
                "type Query { v: V! @shareable list: [V!] @shareable }\n"
                "type V @shareable { name: String tags: [String] ids(first: Int): [ID!]! }",
            ),
        ),
    ],
    "sdl_with_definitions": [
        (
            "a",
            "directive @key(fields: _FieldSet!) repeatable on OBJECT | INTERFACE\n"
            "directive @external on FIELD_DEFINITION\ndirective @custom on FIELD_DEFINITION\n"
            "scalar _FieldSet\nscalar _Any\ntype _Service { sdl: String }\nunion _Entity = T\n"
            "type Query { t: T @custom _service: _Service! _entities(representations: [_Any!]!): [_Entity]! }\n"
            'type T @key(fields: "id") { id: ID! }',
        ),
        (
            "b",
            'extend schema @link(url: "https://specs.apollo.dev/link/v1.0")'
            ' @link(url: "https://specs.apollo.dev/federation/v2.0", import: ["@key", "FieldSet"])\n'
            "directive @link(url: String, as: String, for: link__Purpose, import: [link__Import])"
            " repeatable on SCHEMA\n"
            "directive @key(fields: FieldSet!, resolvable: Boolean = true) repeatable on OBJECT | INTERFACE\n"
            "scalar link__Import\nscalar FieldSet\nenum link__Purpose { SECURITY EXECUTION }\n"
            'type T @key(fields: "id") { id: ID! b: Int }',
        ),
    ],
}
