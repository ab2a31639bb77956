"""A small schema for the overlapping-fields tests and the two rules side by side."""

from __future__ import annotations

from graphql import DocumentNode, GraphQLError, build_schema, validate
from graphql.validation import OverlappingFieldsCanBeMergedRule

from router.validation.overlap import OverlappingFieldsRule

# Pets for the field and argument cases, boxes for the response-shape cases (after graphql-js's
# test schema: interfaces and objects whose same-named fields differ in type, list or non-null).
SCHEMA = build_schema(
    """
    enum DogCommand { SIT HEEL DOWN }
    input Complex { name: String owner: String }
    interface Pet { name: String }
    type Dog implements Pet {
      name: String
      nickname: String
      barkVolume: Int
      doesKnowCommand(dogCommand: DogCommand): Boolean
      isAtLocation(x: Int, y: Int): Boolean
      friend(complex: Complex): Dog
    }
    type Cat implements Pet {
      name: String
      nickname: String
      meowVolume: Int
      isAtLocation(x: Int, y: Int): Boolean
    }
    union CatOrDog = Cat | Dog

    interface SomeBox { deepBox: SomeBox unrelatedField: String otherField: String }
    type StringBox implements SomeBox {
      scalar: String
      deepBox: StringBox
      unrelatedField: String
      otherField: String
      listStringBox: [StringBox]
      stringBox: StringBox
      intBox: IntBox
    }
    type IntBox implements SomeBox {
      scalar: Int
      deepBox: IntBox
      unrelatedField: String
      otherField: String
      listStringBox: [StringBox]
      stringBox: StringBox
      intBox: IntBox
    }
    interface NonNullStringBox1 { scalar: String! }
    type NonNullStringBox1Impl implements SomeBox & NonNullStringBox1 {
      scalar: String!
      unrelatedField: String
      otherField: String
      deepBox: SomeBox
    }
    interface NonNullStringBox2 { scalar: String! }
    type NonNullStringBox2Impl implements SomeBox & NonNullStringBox2 {
      scalar: String!
      unrelatedField: String
      otherField: String
      deepBox: SomeBox
    }
    type Node { id: ID name: String }
    type Edge { node: Node }
    type Connection { edges: [Edge] }

    type Query {
      dog: Dog
      pet: Pet
      catOrDog: CatOrDog
      someBox: SomeBox
      connection: Connection
    }
    """
)


def ours(document: DocumentNode) -> list[GraphQLError]:
    return validate(SCHEMA, document, [OverlappingFieldsRule])


def graphql_core(document: DocumentNode) -> list[GraphQLError]:
    return validate(SCHEMA, document, [OverlappingFieldsCanBeMergedRule])
