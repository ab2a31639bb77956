"""Token and nesting limits, checked on the raw text with graphql-core's lexer before parsing.

The parser is recursive: a deeply nested document costs Python stack frames, and a huge one costs
memory for every AST node. Counting tokens and bracket nesting with the lexer alone is cheap and
bounded, so the parser only ever sees documents within both limits.
"""

from __future__ import annotations

from graphql import GraphQLError, GraphQLSyntaxError, Source
from graphql.language import Lexer, TokenKind

from servicekit.clean_input import control_character

_OPEN = frozenset({TokenKind.BRACE_L, TokenKind.PAREN_L, TokenKind.BRACKET_L})
_CLOSE = frozenset({TokenKind.BRACE_R, TokenKind.PAREN_R, TokenKind.BRACKET_R})
_STRINGS = frozenset({TokenKind.STRING, TokenKind.BLOCK_STRING})


class LexicalLimitError(Exception):
    """The text exceeds a parser limit; ``code`` is the error code clients see."""

    def __init__(self, message: str, limit: int | None, code: str = "GRAPHQL_PARSE_FAILED") -> None:
        super().__init__(message)
        self.message = message
        self.limit = limit
        self.code = code


def check_lexical_limits(query: str, *, max_tokens: int, max_recursion: int) -> None:
    """Raise :class:`LexicalLimitError` when ``query`` has too many tokens or nests too deeply, or
    when a string holds a control character (written as an escape: the lexer refuses raw ones).

    A lexical error (an unterminated string...) is left for the parser to report with its usual
    message, so this check never changes how a malformed document is described.
    """
    lexer = Lexer(Source(query))
    tokens = 0
    depth = 0
    try:
        while True:
            token = lexer.advance()
            kind = token.kind
            if kind == TokenKind.EOF:
                return
            tokens += 1
            if tokens > max_tokens:
                raise LexicalLimitError(
                    f"Token limit exceeded: the operation has more than {max_tokens} tokens.", max_tokens
                )
            if kind in _OPEN:
                depth += 1
                if depth > max_recursion:
                    raise LexicalLimitError(
                        f"Recursion limit exceeded: the operation nests deeper than {max_recursion} levels.",
                        max_recursion,
                    )
            elif kind in _CLOSE:
                depth -= 1
            elif kind in _STRINGS and token.value:
                bad = control_character(token.value)
                if bad is not None:
                    raise LexicalLimitError(
                        f"A string argument may not contain control characters (found {bad}).", None, "BAD_USER_INPUT"
                    )
    except (GraphQLSyntaxError, GraphQLError):
        return
