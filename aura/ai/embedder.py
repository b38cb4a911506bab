"""The one interface every embedding provider implements.

A domain asks an ``Embedder`` for vectors and stores them; it never knows whether they
came from the built-in offline embedder or from an HTTP service. The dimension is the
installation's (``AURA_EMBEDDING_DIMENSION``): a provider that answers with another
dimension is an error, never a silently truncated or padded vector.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Protocol

from aura.errors import BadUserInput, ProviderError


class Embedder(Protocol):
    """Turns texts into unit-length vectors of one fixed dimension."""

    @property
    def model(self) -> str:
        """The model's name as stored beside what it embedded (``offline-hashing-v1``, …)."""
        ...

    @property
    def dimension(self) -> int: ...

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """One vector per text, in order. Raises ``ProviderError`` when the provider fails."""
        ...


def check_vector(vector: Sequence[float], dimension: int, what: str = "embedding") -> list[float]:
    """A client-supplied vector, or ``BAD_USER_INPUT`` naming what is wrong with it."""
    if len(vector) != dimension:
        raise BadUserInput(
            f"{what} has {len(vector)} dimensions; this installation uses {dimension}",
            field=what,
        )
    values = [float(v) for v in vector]
    if not all(math.isfinite(v) for v in values):
        raise BadUserInput(f"{what} contains NaN or an infinite value", field=what)
    return values


def check_answer(
    vectors: Sequence[Sequence[float]], count: int, dimension: int, provider: str
) -> None:
    """What a provider answered has one vector per text, each of the installation's size."""
    if len(vectors) != count:
        raise ProviderError(f"{provider} returned {len(vectors)} embeddings for {count} texts")
    for vector in vectors:
        if len(vector) != dimension:
            raise ProviderError(
                f"{provider} returned {len(vector)}-dimensional embeddings; this "
                f"installation uses {dimension} (AURA_EMBEDDING_DIMENSION)"
            )
