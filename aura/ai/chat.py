"""Chat completions from any OpenAI-compatible ``POST /v1/chat/completions``.

``complete`` sends messages and returns the answer's text. ``complete_json`` asks for
JSON and returns it parsed: with a JSON schema it sends ``response_format`` of type
``json_schema`` (OpenAI, OpenRouter, LM Studio, vLLM and Ollama honour it); in any case
it tells the model to answer with JSON only and then reads the answer leniently (a
Markdown code fence or prose around the JSON is dropped), because small local models
often wrap what they were asked for. An answer that still is not the JSON asked for is
a ``ProviderError`` quoting the start of what the model said.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from aura.ai.transport import Policy, Transport
from aura.errors import ProviderError

PATH = "chat/completions"
ROLES = frozenset({"system", "user", "assistant"})
JSON_ONLY = "Answer with one JSON value only: no prose, no Markdown."
_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL | re.IGNORECASE)
_QUOTED = 200

Message = Mapping[str, str]


def system(content: str) -> dict[str, str]:
    return {"role": "system", "content": content}


def user(content: str) -> dict[str, str]:
    return {"role": "user", "content": content}


class ChatClient:
    """A chat model behind an OpenAI-compatible endpoint. Close it (``aclose``)."""

    def __init__(
        self,
        *,
        provider: str,
        url: str,
        model: str,
        api_key: str | None = None,
        policy: Policy | None = None,
    ) -> None:
        self._model = model
        self.transport = Transport(provider, url, api_key=api_key, policy=policy)

    @property
    def model(self) -> str:
        """The model's name, as stored beside what it produced (an LLM rating's model)."""
        return self._model

    @property
    def provider(self) -> str:
        return self.transport.provider

    async def aclose(self) -> None:
        await self.transport.aclose()

    async def __aenter__(self) -> ChatClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    async def complete(
        self,
        messages: Sequence[Message],
        *,
        temperature: float | None = None,
        max_tokens: int | None = None,
        response_format: dict[str, Any] | None = None,
    ) -> str:
        """The text of the model's answer to ``messages`` (roles system/user/assistant)."""
        body: dict[str, Any] = {"model": self._model, "messages": _checked(messages)}
        if temperature is not None:
            body["temperature"] = temperature
        if max_tokens is not None:
            body["max_tokens"] = max_tokens
        if response_format is not None:
            body["response_format"] = response_format
        answer = await self.transport.post(PATH, body)
        return self._text(answer)

    async def complete_json(
        self,
        messages: Sequence[Message],
        *,
        schema: dict[str, Any] | None = None,
        strict: bool = False,
        temperature: float | None = 0.0,
        max_tokens: int | None = None,
    ) -> Any:
        """The model's answer parsed as JSON. With ``schema`` (a JSON schema) the
        provider is asked to follow it, and the answer must have its top-level type and
        ``required`` properties; anything else is a ``ProviderError``. ``strict`` asks
        OpenAI for strict schema adherence, which needs a schema that lists every
        property as required and sets ``additionalProperties: false`` (OpenAI answers
        400 otherwise). A provider that knows no ``json_schema`` response format answers
        400 too: call it without ``schema`` (the answer is still parsed as JSON)."""
        asked = [system(JSON_ONLY), *messages]
        response_format = None
        if schema is not None:
            response_format = {
                "type": "json_schema",
                "json_schema": {"name": "answer", "schema": schema, "strict": strict},
            }
        text = await self.complete(
            asked, temperature=temperature, max_tokens=max_tokens, response_format=response_format
        )
        value = parse_json(text, self._who())
        if schema is not None:
            _conforms(value, schema, text, self._who())
        return value

    def _who(self) -> str:
        return f"{self.provider} model {self._model}"

    def _text(self, answer: Any) -> str:
        try:
            content = answer["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError):
            raise self.transport.error(
                PATH, "answered without choices[0].message.content"
            ) from None
        if not isinstance(content, str):
            raise self.transport.error(PATH, "answered a message without text content")
        return content


def _checked(messages: Sequence[Message]) -> list[dict[str, str]]:
    if not messages:
        raise ValueError("a chat completion needs at least one message")
    checked = []
    for message in messages:
        role, content = message.get("role"), message.get("content")
        if role not in ROLES or not isinstance(content, str):
            raise ValueError(f"not a chat message: {dict(message)!r}")
        checked.append({"role": role, "content": content})
    return checked


def parse_json(text: str, who: str) -> Any:
    """The JSON value in a model's answer: the whole text, else a fenced block, else
    the outermost ``{…}`` or ``[…]``."""
    for candidate in _candidates(text):
        try:
            return json.loads(candidate)
        except ValueError:
            continue
    raise ProviderError(f"{who} did not answer with the JSON asked for: {_quote(text)}")


def _candidates(text: str) -> list[str]:
    found = [text.strip()]
    found.extend(m.group(1).strip() for m in _FENCE.finditer(text))
    for opening, closing in ("{}", "[]"):
        start, end = text.find(opening), text.rfind(closing)
        if 0 <= start < end:
            found.append(text[start : end + 1])
    return found


_TYPES: dict[str, type | tuple[type, ...]] = {
    "object": dict,
    "array": list,
    "string": str,
    "number": (int, float),
    "integer": int,
    "boolean": bool,
}


def _conforms(value: Any, schema: dict[str, Any], text: str, who: str) -> None:
    """The checks a caller can count on: the top-level type and required properties.
    (Deeper validation is the caller's: it knows which mistakes it can repair.)"""
    expected = _TYPES.get(str(schema.get("type")))
    if expected is not None and not isinstance(value, expected):
        raise ProviderError(f"{who} answered JSON that is not a {schema['type']}: {_quote(text)}")
    if isinstance(value, dict):
        missing = [key for key in schema.get("required", ()) if key not in value]
        if missing:
            raise ProviderError(f"{who} answered JSON without {', '.join(missing)}: {_quote(text)}")


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= _QUOTED else text[:_QUOTED] + "…")
