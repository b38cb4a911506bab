"""Small helpers shared by the domain schema modules."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry


def lazy(type_name: str, module: str) -> Any:
    """A reference to a type defined later or in another domain module."""
    return Annotated[type_name, strawberry.lazy(module)]
