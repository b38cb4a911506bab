"""The offline embedder is a real embedding: deterministic, unit length, and closer for
texts that share words than for unrelated ones."""

from __future__ import annotations

import asyncio
import math
import subprocess
import sys

import pytest

from aura.ai.embedder import check_answer, check_vector
from aura.ai.offline import MODEL, HashingEmbedder
from aura.errors import BadUserInput, ProviderError


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def embed(*texts: str, dimension: int = 384) -> list[list[float]]:
    return asyncio.run(HashingEmbedder(dimension).embed(list(texts)))


def test_vectors_are_unit_length_of_the_installation_dimension() -> None:
    (vector,) = embed("Allocate a port for the web service", dimension=1536)
    assert len(vector) == 1536
    assert math.isclose(math.sqrt(sum(v * v for v in vector)), 1.0, rel_tol=1e-9)
    assert HashingEmbedder(1536).model == MODEL


def test_similar_texts_are_closer_than_unrelated_ones() -> None:
    query, near, far = embed(
        "How do I allocate a port for a new web service?",
        "Allocating ports for web services: use allocatePort with the range of the service.",
        "The quarterly bonus tiers reward members who review feedback records.",
    )
    assert cosine(query, near) > cosine(query, far) + 0.2
    assert cosine(query, query) == pytest.approx(1.0)


def test_spelling_variants_share_trigrams() -> None:
    base, variant, other = embed("allocation", "allocations", "zebra")
    assert cosine(base, variant) > 0.3 > 0.05 > cosine(base, other)


def test_the_same_text_gives_the_same_vector_in_another_process() -> None:
    (here,) = embed("deterministic across processes", dimension=64)
    code = (
        "import asyncio; from aura.ai.offline import HashingEmbedder; "
        "print(repr(asyncio.run(HashingEmbedder(64).embed(['deterministic across processes']))[0]))"
    )
    there = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    # The child prints the repr of a list of floats; parse it as such.
    assert [float(v) for v in there.strip()[1:-1].split(", ")] == here


def test_a_text_without_words_is_refused() -> None:
    with pytest.raises(BadUserInput, match="no words"):
        embed("  ... !!! ")


def test_client_vectors_are_checked() -> None:
    # single precision, as pgvector stores it; integers are numbers too
    assert check_vector([0.5, 1], 2).tolist() == [0.5, 1.0]
    assert check_vector([0.1], 1).typecode == "f"
    with pytest.raises(BadUserInput, match="single precision"):
        check_vector([1e39, 0.0], 2)
    with pytest.raises(BadUserInput, match="NaN"):
        check_vector([float("inf"), 0.0], 2)
    with pytest.raises(BadUserInput, match="3 dimensions; this installation uses 2"):
        check_vector([1.0, 0.0, 0.0], 2)
    with pytest.raises(BadUserInput, match="NaN"):
        check_vector([float("nan"), 0.0], 2)
    with pytest.raises(ProviderError, match="returned 1 embeddings for 2 texts"):
        check_answer([[0.0, 1.0]], 2, 2, "test provider")
    with pytest.raises(ProviderError, match="3-dimensional"):
        check_answer([[0.0, 1.0, 0.0]], 1, 2, "test provider")
