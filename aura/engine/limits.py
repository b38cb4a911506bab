"""Limits that keep one request from hurting the server: checked before any SQL runs.

A GraphQL document is refused, each time with its own ``extensions.code`` and a message
naming the limit and what was measured, when it has

- more lexical tokens (or comments) than ``max_tokens``: ``TOO_MANY_TOKENS``; the parser
  stops counting there, so a huge document costs no more than the limit;
- selections nested deeper than ``max_depth``: ``QUERY_TOO_DEEP``;
- more aliases in one operation than ``max_aliases``: ``TOO_MANY_ALIASES``;
- an estimated cost above ``max_cost``: ``QUERY_TOO_COSTLY``.

Depth and aliases count through fragment spreads and inline fragments, as if every
fragment were written out where it is used (each fragment is measured once, so a
document whose fragments spread each other many times is measured in linear time). They
are checked right after parsing and before graphql-core's validation, whose
overlapping-fields rule is the costly one on documents full of aliases. Introspection
fields are counted like any other, with no exemption: GraphiQL's introspection query
(graphql-js's and graphql-core's ``getIntrospectionQuery``, whose ``TypeRef`` fragment
nests ``ofType`` nine times) has depth 15, which is why the default ``max_depth`` is 15.

The estimated cost (``QUERY_TOO_COSTLY``) is computed in ``aura.engine.cost``;
``aura.engine.admission`` runs all of these checks, in order, for every transport.

Other limits live outside the document: the request body size
(``aura.middleware.BodySizeLimit``, HTTP 413 ``REQUEST_TOO_LARGE``) and a per-principal
rate limit (``aura.engine.ratelimit``). A limit of 0 turns it off.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSyntaxError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    parse,
)

QUERY_TOO_DEEP = "QUERY_TOO_DEEP"
TOO_MANY_ALIASES = "TOO_MANY_ALIASES"
TOO_MANY_TOKENS = "TOO_MANY_TOKENS"
QUERY_TOO_COSTLY = "QUERY_TOO_COSTLY"

PAGE_ARGUMENTS = ("first", "last")
LIMIT_ARGUMENT = "limit"  # how many items a plain list field returns
SIZE_ARGUMENTS = (*PAGE_ARGUMENTS, LIMIT_ARGUMENT)


@dataclass(frozen=True, slots=True)
class Limits:
    """The document limits; 0 turns one off."""

    max_depth: int = 15
    max_aliases: int = 30
    max_tokens: int = 2000
    max_cost: int = 2_000_000
    default_page_size: int = 20
    max_page_size: int = 100

    @classmethod
    def from_settings(cls, settings: Any) -> Limits:
        return cls(
            max_depth=settings.max_depth,
            max_aliases=settings.max_aliases,
            max_tokens=settings.max_tokens,
            max_cost=settings.max_cost,
            default_page_size=settings.default_page_size,
            max_page_size=settings.max_page_size,
        )


def limit_error(code: str, message: str) -> GraphQLError:
    """A request error carrying its code (``present`` keeps such errors as they are)."""
    return GraphQLError(message, extensions={"code": code})


# -- tokens -----------------------------------------------------------------------------


def parse_document(query: str, limits: Limits) -> DocumentNode:
    """Parse, stopping at ``max_tokens`` lexical tokens or as many comments."""
    if not limits.max_tokens:
        return parse(query)
    try:
        return parse(query, max_lexical_tokens=limits.max_tokens, max_comments=limits.max_tokens)
    except GraphQLSyntaxError as error:
        message = error.message
        if message.startswith("Syntax Error: Document contains more than"):
            what = "comments" if " comments." in message else "tokens"
            raise limit_error(
                TOO_MANY_TOKENS,
                f"the document has more than {limits.max_tokens} {what}, "
                f"the limit is {limits.max_tokens}",
            ) from None
        raise


# -- depth and aliases ------------------------------------------------------------------


class _Shape:
    """Depth and alias count of selection sets, fragments expanded (and measured once)."""

    def __init__(self, document: DocumentNode) -> None:
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.memo: dict[str, tuple[int, int]] = {}
        self.active: set[str] = set()

    def selections(self, selection_set: SelectionSetNode | None) -> tuple[int, int]:
        depth = aliases = 0
        if selection_set is None:
            return depth, aliases
        for node in selection_set.selections:
            if isinstance(node, FieldNode):
                d, a = self.selections(node.selection_set)
                depth = max(depth, d + 1)
                aliases += a + (node.alias is not None)
            elif isinstance(node, InlineFragmentNode):
                d, a = self.selections(node.selection_set)
                depth, aliases = max(depth, d), aliases + a
            elif isinstance(node, FragmentSpreadNode):
                d, a = self.fragment(node.name.value)
                depth, aliases = max(depth, d), aliases + a
        return depth, aliases

    def fragment(self, name: str) -> tuple[int, int]:
        if name in self.memo:
            return self.memo[name]
        definition = self.fragments.get(name)
        if definition is None or name in self.active:
            return 0, 0  # unknown or cyclic: validation reports it
        self.active.add(name)
        try:
            shape = self.selections(definition.selection_set)
        finally:
            self.active.discard(name)
        self.memo[name] = shape
        return shape


def _label(operation: OperationDefinitionNode) -> str:
    name = f" {operation.name.value}" if operation.name else ""
    return f"{operation.operation.value}{name}"


def check_shape(document: DocumentNode, limits: Limits) -> list[GraphQLError]:
    """``QUERY_TOO_DEEP`` and ``TOO_MANY_ALIASES`` errors, one per operation and limit."""
    if not (limits.max_depth or limits.max_aliases):
        return []
    shape = _Shape(document)
    errors = []
    for operation in document.definitions:
        if not isinstance(operation, OperationDefinitionNode):
            continue
        try:
            depth, aliases = shape.selections(operation.selection_set)
        except RecursionError:
            errors.append(
                limit_error(
                    QUERY_TOO_DEEP,
                    f"{_label(operation)} is nested too deeply to measure, "
                    f"the limit is {limits.max_depth}",
                )
            )
            continue
        if limits.max_depth and depth > limits.max_depth:
            errors.append(
                limit_error(
                    QUERY_TOO_DEEP,
                    f"query depth {depth} exceeds the limit of {limits.max_depth}",
                )
            )
        if limits.max_aliases and aliases > limits.max_aliases:
            errors.append(
                limit_error(
                    TOO_MANY_ALIASES,
                    f"{aliases} aliases exceed the limit of {limits.max_aliases} per operation",
                )
            )
    return errors
