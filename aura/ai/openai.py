"""Embeddings from any OpenAI-compatible ``POST /v1/embeddings`` (OpenAI, OpenRouter,
LM Studio, Ollama, vLLM).

Texts are sent in batches of ``batch_size`` (one request each, in turn); the answer's
``index`` fields put each vector back in its text's place, whatever order the service
lists them in. Every vector is checked (one per text, the installation's dimension,
finite) and scaled to unit length, since not every service normalises (Ollama's models
need not), and cosine distance in PostgreSQL assumes nothing but is cheapest on unit
vectors.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from aura.ai.embedder import check_answer
from aura.ai.transport import Policy, Transport

DEFAULT_BATCH_SIZE = 64
PATH = "embeddings"


class OpenAIEmbedder:
    """An ``Embedder`` over an OpenAI-compatible embeddings endpoint."""

    def __init__(
        self,
        *,
        provider: str,
        url: str,
        model: str,
        dimension: int,
        api_key: str | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
        policy: Policy | None = None,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self._model = model
        self._dimension = dimension
        self.batch_size = batch_size
        self.transport = Transport(provider, url, api_key=api_key, policy=policy)

    @property
    def model(self) -> str:
        return self._model

    @property
    def dimension(self) -> int:
        return self._dimension

    @property
    def provider(self) -> str:
        return self.transport.provider

    async def aclose(self) -> None:
        await self.transport.aclose()

    async def __aenter__(self) -> OpenAIEmbedder:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        vectors: list[list[float]] = []
        for start in range(0, len(texts), self.batch_size):
            vectors.extend(await self._batch(list(texts[start : start + self.batch_size])))
        return vectors

    async def _batch(self, texts: list[str]) -> list[list[float]]:
        answer = await self.transport.post(PATH, {"model": self._model, "input": texts})
        vectors = self._ordered(answer, len(texts))
        check_answer(vectors, len(texts), self._dimension, self._name())
        return [self._unit(vector) for vector in vectors]

    def _name(self) -> str:
        return f"{self.provider} (model {self._model})"

    def _ordered(self, answer: Any, count: int) -> list[list[float]]:
        data = answer.get("data") if isinstance(answer, dict) else None
        if not isinstance(data, list):
            raise self.transport.error(PATH, "answered without a `data` list of embeddings")
        placed: dict[int, list[float]] = {}
        for position, item in enumerate(data):
            embedding = item.get("embedding") if isinstance(item, dict) else None
            index = item.get("index", position) if isinstance(item, dict) else None
            if not isinstance(embedding, list) or not isinstance(index, int):
                raise self.transport.error(PATH, f"answered a malformed embedding at {position}")
            if index in placed or not 0 <= index < count:
                raise self.transport.error(
                    PATH, f"answered embedding index {index} for {count} texts"
                )
            placed[index] = embedding
        return [placed[i] for i in sorted(placed)]

    def _unit(self, vector: list[Any]) -> list[float]:
        try:
            values = [float(v) for v in vector]
        except (TypeError, ValueError):
            raise self.transport.error(PATH, "answered an embedding that is not numbers") from None
        norm = math.sqrt(sum(v * v for v in values))
        if not math.isfinite(norm) or norm == 0.0:
            raise self.transport.error(PATH, "answered a zero, NaN or infinite embedding")
        return [v / norm for v in values]
