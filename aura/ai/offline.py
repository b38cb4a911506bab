"""The built-in offline embedder: feature hashing of words, word pairs and character
trigrams, normalised to unit length.

It needs no network and no model file, so development, the demo and the tests can
embed text anywhere. It is a real (if simple) embedding method, the "hashing trick" of
Weinberger et al. (2009): every feature of a text is hashed to one of ``dimension``
buckets with a hashed sign, so texts that share words and spellings share buckets and
their cosine similarity grows with what they have in common. It knows nothing of
meaning: "car" and "automobile" are as far apart as any two unrelated words. Use an
OpenAI-compatible provider for semantic search in production.

Deterministic across processes and machines: the hash is BLAKE2b, not Python's salted
``hash()``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from hashlib import blake2b
from itertools import pairwise

from aura.errors import BadUserInput

MODEL = "offline-hashing-v1"

_WORD = re.compile(r"\w+", re.UNICODE)

# How much each kind of feature counts: whole words carry most of a text's content,
# word pairs its phrasing, character trigrams its spelling (so "allocate" and
# "allocation" are close without a stemmer).
_WORD_WEIGHT = 1.0
_PAIR_WEIGHT = 0.5
_TRIGRAM_WEIGHT = 0.25


class HashingEmbedder:
    """Feature-hashing embedder of one dimension (see the module's description)."""

    def __init__(self, dimension: int) -> None:
        if dimension < 8:
            raise ValueError("an embedding needs at least 8 dimensions")
        self._dimension = dimension

    @property
    def model(self) -> str:
        return MODEL

    @property
    def dimension(self) -> int:
        return self._dimension

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        return [self.embed_one(text) for text in texts]

    def embed_one(self, text: str) -> list[float]:
        vector = [0.0] * self._dimension
        for feature, weight in _features(text):
            digest = int.from_bytes(blake2b(feature.encode(), digest_size=8).digest(), "big")
            sign = 1.0 if digest >> 63 else -1.0
            vector[digest % self._dimension] += sign * weight
        norm = math.sqrt(sum(v * v for v in vector))
        if norm == 0.0:
            raise BadUserInput("the text has no words to embed", field="text")
        return [v / norm for v in vector]


def _features(text: str) -> list[tuple[str, float]]:
    words = [w.lower() for w in _WORD.findall(text)]
    found: list[tuple[str, float]] = [(f"w:{w}", _WORD_WEIGHT) for w in words]
    found.extend((f"p:{a} {b}", _PAIR_WEIGHT) for a, b in pairwise(words))
    for word in words:
        padded = f"<{word}>"
        found.extend((f"c:{padded[i : i + 3]}", _TRIGRAM_WEIGHT) for i in range(len(padded) - 2))
    return found
