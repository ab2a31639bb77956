"""REST shims: REST routes declared as named GraphQL operations (``@rest``), with OpenAPI and docs."""

from __future__ import annotations

from router.rest.declarations import DEFAULT_DIRECTORY, Declaration, DeclarationError, load_declarations
from router.rest.openapi import openapi_document
from router.rest.routes import Execute, ForwardHeaders, RestApi, rest_routes

__all__ = [
    "DEFAULT_DIRECTORY",
    "Declaration",
    "DeclarationError",
    "Execute",
    "ForwardHeaders",
    "RestApi",
    "load_declarations",
    "openapi_document",
    "rest_routes",
]
