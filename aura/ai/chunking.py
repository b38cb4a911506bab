"""Splitting a text into chunks for embedding, on paragraph and sentence boundaries.

Pure functions, no I/O. Sizes count *tokens*, approximated as words and punctuation
marks (``\\w+`` runs and single other non-blank characters): close enough to a model's
tokenizer for budgeting chunks, and independent of any model.

A chunk is a run of whole sentences of at most ``size`` tokens; it closes early at a
paragraph break when the next paragraph would not fit. Each chunk after the first
starts with the last whole sentences of the previous chunk, at most ``overlap`` tokens of
them, so a fact split across a boundary is whole in one of the two. A sentence longer
than ``size`` on its own is cut at word boundaries. Identical chunks keep their first
occurrence only: a source holds a text once (its content hash identifies it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from hashlib import sha256

from aura.errors import BadUserInput

DEFAULT_SIZE = 200
DEFAULT_OVERLAP = 30
MIN_SIZE = 16
MAX_SIZE = 4096

_TOKEN = re.compile(r"\w+|[^\w\s]", re.UNICODE)
_PARAGRAPH = re.compile(r"\n\s*\n")
# A sentence ends at . ! ? (with closing quotes or brackets) followed by blank space.
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+")


@dataclass(frozen=True)
class Chunk:
    index: int
    content: str
    content_hash: str
    token_count: int


def count_tokens(text: str) -> int:
    return len(_TOKEN.findall(text))


def content_hash(text: str) -> str:
    """SHA-256 of the chunk's text as stored (hex): what identifies it in its source."""
    return sha256(text.encode()).hexdigest()


def check_sizes(size: int, overlap: int) -> None:
    if not MIN_SIZE <= size <= MAX_SIZE:
        raise BadUserInput(
            f"chunkSize must be between {MIN_SIZE} and {MAX_SIZE} tokens", field="chunkSize"
        )
    if not 0 <= overlap <= size // 2:
        raise BadUserInput(
            "chunkOverlap must be between 0 and half of chunkSize", field="chunkOverlap"
        )


@dataclass(frozen=True)
class _Sentence:
    text: str
    tokens: int
    starts_paragraph: bool


def _sentences(text: str, size: int) -> list[_Sentence]:
    found: list[_Sentence] = []
    for paragraph in _PARAGRAPH.split(text):
        flat = " ".join(paragraph.split())
        first = True
        for sentence in _SENTENCE_END.split(flat):
            for piece in _cut(sentence.strip(), size):
                found.append(_Sentence(piece, count_tokens(piece), first))
                first = False
    return found


def _cut(sentence: str, size: int) -> list[str]:
    """A sentence of more than ``size`` tokens as pieces of at most ``size`` tokens."""
    if not sentence:
        return []
    if count_tokens(sentence) <= size:
        return [sentence]
    pieces: list[str] = []
    words: list[str] = []
    tokens = 0
    for word in sentence.split(" "):
        cost = count_tokens(word)
        if words and tokens + cost > size:
            pieces.append(" ".join(words))
            words, tokens = [], 0
        words.append(word)
        tokens += cost
    if words:
        pieces.append(" ".join(words))
    return pieces


def _join(sentences: list[_Sentence]) -> str:
    text = ""
    for i, sentence in enumerate(sentences):
        if i:
            text += "\n\n" if sentence.starts_paragraph else " "
        text += sentence.text
    return text


def _tail(sentences: list[_Sentence], overlap: int) -> list[_Sentence]:
    """The last whole sentences of a chunk that fit in ``overlap`` tokens."""
    tail: list[_Sentence] = []
    tokens = 0
    for sentence in reversed(sentences):
        if tokens + sentence.tokens > overlap:
            break
        tail.insert(0, sentence)
        tokens += sentence.tokens
    return tail


def _groups(sentences: list[_Sentence], size: int, overlap: int) -> list[list[_Sentence]]:
    groups: list[list[_Sentence]] = []
    current: list[_Sentence] = []
    fresh = 0  # sentences of ``current`` not carried over from the previous chunk

    def close() -> list[_Sentence]:
        groups.append(current)
        return _tail(current, overlap)

    for i, sentence in enumerate(sentences):
        tokens = sum(s.tokens for s in current)
        paragraph = [sentence]
        if sentence.starts_paragraph:
            for later in sentences[i + 1 :]:
                if later.starts_paragraph:
                    break
                paragraph.append(later)
        too_big = tokens + sentence.tokens > size
        # Close at a paragraph break rather than split a paragraph that fits a chunk.
        breaks_here = (
            sentence.starts_paragraph
            and fresh
            and tokens + sum(s.tokens for s in paragraph) > size
            and sum(s.tokens for s in paragraph) <= size
        )
        if fresh and (too_big or breaks_here):
            current = close()
            fresh = 0
            while current and sum(s.tokens for s in current) + sentence.tokens > size:
                current.pop(0)
        current.append(sentence)
        fresh += 1
    if fresh:
        groups.append(current)
    return groups


def chunk_text(
    text: str, *, size: int = DEFAULT_SIZE, overlap: int = DEFAULT_OVERLAP
) -> list[Chunk]:
    """The text's chunks in order, duplicates dropped (see the module's description)."""
    check_sizes(size, overlap)
    chunks: list[Chunk] = []
    seen: set[str] = set()
    for group in _groups(_sentences(text, size), size, overlap):
        content = _join(group)
        digest = content_hash(content)
        if digest in seen:
            continue
        seen.add(digest)
        chunks.append(Chunk(len(chunks), content, digest, sum(s.tokens for s in group)))
    return chunks
