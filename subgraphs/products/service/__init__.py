"""The products business logic: plain async functions over SQLAlchemy sessions, no GraphQL."""
