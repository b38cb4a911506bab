"""Names: how tables, columns and GraphQL fields are spelled in each other's world.

Like PostGraphile's inflector, the one place that decides spellings, so the schema,
the SQL builders and the error messages agree.
"""

from __future__ import annotations

from functools import cache

_IRREGULAR_SINGULARS = {"task_history": "task_history", "service_status": "service_status"}


@cache
def camel(snake: str) -> str:
    """``created_at`` → ``createdAt`` (Strawberry's own auto-camel-casing)."""
    head, *rest = snake.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


@cache
def singular(table: str) -> str:
    """``task_dependencies`` → ``task_dependency``; ``users`` → ``user``."""
    if table in _IRREGULAR_SINGULARS:
        return _IRREGULAR_SINGULARS[table]
    if table.endswith("ies"):
        return table[:-3] + "y"
    if table.endswith(("sses", "ches", "shes", "xes")):
        return table[:-2]
    if table.endswith("s") and not table.endswith("ss"):
        return table[:-1]
    return table


@cache
def type_name(table: str) -> str:
    """``execution_logs`` → ``ExecutionLog``: a GraphQL type is its table made singular."""
    return "".join(part.capitalize() for part in singular(table).split("_"))


@cache
def human(table: str) -> str:
    """``task_dependencies`` → ``task dependency``: for error messages."""
    return singular(table).replace("_", " ")
