"""What a field's selection needs from the database.

Read straight from the GraphQL AST (fragments included) rather than through
Strawberry's ``selected_fields``, which converts the whole subtree on every call.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from graphql import FieldNode, FragmentSpreadNode, InlineFragmentNode, SelectionSetNode

from aura.db.mapping import Entity


def _fields(
    selection_set: SelectionSetNode | None, fragments: dict[str, Any]
) -> Iterator[FieldNode]:
    if selection_set is None:
        return
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from _fields(selection.selection_set, fragments)
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            if fragment is not None:
                yield from _fields(fragment.selection_set, fragments)


def _children(nodes: Iterable[FieldNode], name: str, fragments: dict[str, Any]) -> list[FieldNode]:
    return [
        f for node in nodes for f in _fields(node.selection_set, fragments) if f.name.value == name
    ]


def node_fields(info: Any, *, connection: bool) -> set[str]:
    """Field names selected on the object(s) this field returns.

    For a connection, the objects are under ``nodes`` and ``edges { node }``.
    """
    raw = getattr(info, "_raw_info", info)  # graphql-core's ResolveInfo behind Strawberry's
    fragments = raw.fragments
    roots: list[FieldNode] = list(raw.field_nodes)
    if connection:
        roots = _children(roots, "nodes", fragments) + _children(
            _children(roots, "edges", fragments), "node", fragments
        )
    return {f.name.value for node in roots for f in _fields(node.selection_set, fragments)}


def sub_fields(
    nodes: Iterable[FieldNode], fragments: dict[str, Any], *path: str
) -> list[FieldNode]:
    """The fields selected under ``nodes`` along ``path`` (``"aggregate", "sum"``)."""
    found = list(nodes)
    for name in path:
        found = _children(found, name, fragments)
    return [f for node in found for f in _fields(node.selection_set, fragments)]


def columns_for(entity: Entity, fields: set[str], *extra: str) -> tuple[str, ...]:
    """Columns to select so every requested field (and relation key) can be resolved."""
    wanted = {entity.primary_key, *extra}
    for name in fields:
        wanted.update(entity.field_columns.get(name, ()))
    # Table order keeps the statement text stable, so the statement cache hits.
    return tuple(c for c in entity.columns if c in wanted)
