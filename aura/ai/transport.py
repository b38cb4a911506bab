"""HTTP to an OpenAI-compatible service: one client per provider, timeouts, retries.

Both clients (embeddings, chat completions) post JSON to a path under the provider's
base URL and read JSON back; this module is that exchange and its failure policy:

- a timeout bounds each attempt as a whole (connect, send, wait, read);
- connection errors, timeouts, 408, 429 and 5xx are retried with exponential backoff
  (with jitter, so many workers do not retry in step); ``Retry-After`` (seconds or an
  HTTP date) is honoured up to ``max_retry_after`` and a longer wait fails at once,
  since a caller would rather hear "rate limited" than hang;
- any other 4xx is the request's fault and is not retried;
- every failure is a ``ProviderError`` naming the provider, the URL and what it answered.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from time import time
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from aura.errors import ProviderError

# Statuses worth trying again: the request may succeed later unchanged.
RETRIED = frozenset({408, 429, 500, 502, 503, 504})
_EXCERPT = 300


@dataclass(frozen=True)
class Policy:
    """Timeouts (seconds) and retries of one provider's requests."""

    timeout: float = 30.0
    connect_timeout: float = 5.0
    retries: int = 3
    backoff: float = 0.5
    max_backoff: float = 8.0
    max_retry_after: float = 30.0


def base_url(host: str) -> str:
    """The API's base URL: ``http://host:1234`` means ``http://host:1234/v1`` (the
    OpenAI-compatible servers' default); a URL with a path is taken as it is."""
    parts = urlsplit(host.strip().rstrip("/"))
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ProviderError(f"the AI host {host!r} is not an http(s) URL")
    path = parts.path or "/v1"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def _shown(url: str) -> str:
    """The URL as error messages show it: without user and password."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


class Transport:
    """POSTs JSON to one provider, with its policy. Close it (``aclose``) when done."""

    def __init__(
        self,
        provider: str,
        url: str,
        *,
        api_key: str | None = None,
        policy: Policy | None = None,
    ) -> None:
        self.provider = provider
        self.url = url.rstrip("/")
        self.policy = policy or Policy()
        headers = {"accept": "application/json"}
        if api_key:
            headers["authorization"] = f"Bearer {api_key}"
        self._client = httpx.AsyncClient(
            headers=headers,
            timeout=httpx.Timeout(self.policy.timeout, connect=self.policy.connect_timeout),
            follow_redirects=False,
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    @property
    def closed(self) -> bool:
        return self._client.is_closed

    async def post(self, path: str, body: dict[str, Any]) -> Any:
        """The JSON the provider answered to ``body`` at ``path``, after retries."""
        url = f"{self.url}/{path.lstrip('/')}"
        policy = self.policy
        for attempt in range(policy.retries + 1):
            last = attempt == policy.retries
            try:
                async with asyncio.timeout(policy.timeout):
                    response = await self._client.post(url, json=body)
            except (TimeoutError, httpx.TimeoutException) as exc:
                if last:
                    raise self._error(
                        url, f"did not answer within {policy.timeout:g} s", attempt
                    ) from exc
            except httpx.TransportError as exc:
                if last:
                    raise self._error(
                        url, f"could not be reached ({_describe(exc)})", attempt
                    ) from exc
            else:
                if response.is_success:
                    return self._json(url, response)
                if response.status_code not in RETRIED or last:
                    raise self._refused(url, response, attempt)
                wait = _retry_after(response)
                if wait is not None:
                    if wait > policy.max_retry_after:
                        raise self._error(
                            url,
                            f"answered {response.status_code} asking to retry after "
                            f"{wait:g} s, longer than the {policy.max_retry_after:g} s "
                            "Aura waits",
                            attempt,
                            status=response.status_code,
                        )
                    await asyncio.sleep(wait)
                    continue
            await asyncio.sleep(_backoff(policy, attempt))
        raise AssertionError("unreachable")  # the last attempt returns or raises

    def _json(self, url: str, response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            raise self._error(
                url, f"answered {response.status_code} with no JSON: {_excerpt(response.text)}", 0
            ) from None

    def _refused(self, url: str, response: httpx.Response, attempt: int) -> ProviderError:
        reason = f"{response.status_code} {response.reason_phrase}".strip()
        detail = _detail(response)
        return self._error(
            url,
            f"answered {reason}" + (f": {detail}" if detail else ""),
            attempt,
            status=response.status_code,
        )

    def _error(
        self, url: str, what: str, attempt: int, *, status: int | None = None
    ) -> ProviderError:
        tries = f" (after {attempt + 1} attempts)" if attempt else ""
        extensions: dict[str, Any] = {"provider": self.provider}
        if status is not None:
            extensions["status"] = status
        return ProviderError(f"{self.provider} at {_shown(url)} {what}{tries}", **extensions)

    def error(self, url_path: str, what: str) -> ProviderError:
        """A ProviderError about an answer that arrived but is not what was asked for."""
        return self._error(f"{self.url}/{url_path.lstrip('/')}", what, 0)


def _describe(exc: httpx.TransportError) -> str:
    return str(exc) or type(exc).__name__


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _EXCERPT else text[:_EXCERPT] + "…"


def _detail(response: httpx.Response) -> str:
    """The provider's own explanation: OpenAI's ``{"error": {"message"}}`` or text."""
    try:
        body = response.json()
    except ValueError:
        return _excerpt(response.text)
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict) and error.get("message"):
        return _excerpt(str(error["message"]))
    if isinstance(error, str):
        return _excerpt(error)
    if isinstance(body, dict) and body.get("detail"):
        return _excerpt(str(body["detail"]))
    return _excerpt(response.text)


def _retry_after(response: httpx.Response) -> float | None:
    raw = response.headers.get("retry-after")
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(raw).timestamp() - time())
    except (TypeError, ValueError):
        return None


def _backoff(policy: Policy, attempt: int) -> float:
    ceiling = min(policy.max_backoff, policy.backoff * 2**attempt)
    return ceiling * random.uniform(0.5, 1.0)
