"""Numbered query parameters."""

from __future__ import annotations

from typing import Any


class Params:
    """Collects values and hands out their ``$n`` placeholders."""

    __slots__ = ("values",)

    def __init__(self, *initial: Any) -> None:
        self.values: list[Any] = list(initial)

    def add(self, value: Any, cast: str | None = None) -> str:
        self.values.append(value)
        placeholder = f"${len(self.values)}"
        return f"{placeholder}::{cast}" if cast else placeholder


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
