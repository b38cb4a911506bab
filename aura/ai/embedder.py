"""The one interface every embedding provider implements.

A domain asks an ``Embedder`` for vectors and stores them; it never knows whether they
came from the built-in offline embedder or from an HTTP service. The dimension is the
installation's (``AURA_EMBEDDING_DIMENSION``): a provider that answers with another
dimension is an error, never a silently truncated or padded vector.
"""

from __future__ import annotations

import math
from array import array
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


# The largest single-precision number: pgvector's components are 32-bit floats.
FLOAT32_MAX = 3.4028234663852886e38


def check_vector(vector: Sequence[float], dimension: int, what: str = "embedding") -> array[float]:
    """A client-supplied vector as the single-precision numbers pgvector stores (the
    database codec sends such an array as it is), or ``BAD_USER_INPUT`` naming what is
    wrong with it."""
    if len(vector) != dimension:
        raise BadUserInput(
            f"{what} has {len(vector)} dimensions; this installation uses {dimension}",
            field=what,
        )
    packed = array("f", vector)  # a number beyond single precision becomes an infinity
    # The sum of single-precision numbers cannot overflow a double: it is finite exactly
    # when every number is, which is one loop in C. Only otherwise look at each one.
    if not math.isfinite(sum(packed)):
        if not all(map(math.isfinite, vector)):
            raise BadUserInput(f"{what} contains NaN or an infinite value", field=what)
        raise BadUserInput(
            f"{what} has a number beyond {FLOAT32_MAX:.7g}: pgvector stores single precision",
            field=what,
        )
    return packed


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
