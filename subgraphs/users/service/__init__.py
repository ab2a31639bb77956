"""The users service's business logic: plain async functions over the database, no GraphQL."""
