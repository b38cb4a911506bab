"""The chunker (aura.ai.chunking): sentence and paragraph boundaries, overlap, sizes,
duplicates, hashes."""

from __future__ import annotations

import itertools
import re
from hashlib import sha256

import pytest

from aura.ai.chunking import chunk_text, count_tokens
from aura.errors import BadUserInput


def _paragraph(n: int, sentences: int = 4) -> str:
    return " ".join(f"Paragraph {n} sentence {i} has a few words." for i in range(sentences))


TEXT = "\n\n".join(_paragraph(n) for n in range(6))
SENTENCE = re.compile(r"Paragraph \d sentence \d has a few words\.")


def test_chunks_are_whole_sentences_within_the_size() -> None:
    chunks = chunk_text(TEXT, size=40, overlap=0)
    assert len(chunks) > 3
    for chunk in chunks:
        assert chunk.token_count == count_tokens(chunk.content) <= 40
        # nothing but whole sentences, separated by a blank or a paragraph break
        assert SENTENCE.sub("", chunk.content).replace("\n\n", "").strip(" ") == ""
    # every sentence of the text is in some chunk, in order
    joined = " ".join(c.content.replace("\n\n", " ") for c in chunks)
    assert SENTENCE.findall(joined) == SENTENCE.findall(TEXT)


def test_a_chunk_closes_at_a_paragraph_break_when_the_next_paragraph_fits_alone() -> None:
    # each paragraph is 36 tokens: two never fit in 60, so every chunk is one paragraph
    chunks = chunk_text(TEXT, size=60, overlap=0)
    assert [c.content for c in chunks] == [_paragraph(n) for n in range(6)]


def test_overlap_repeats_the_previous_chunks_last_sentences() -> None:
    chunks = chunk_text(TEXT, size=40, overlap=20)
    for previous, chunk in itertools.pairwise(chunks):
        before, now = SENTENCE.findall(previous.content), SENTENCE.findall(chunk.content)
        repeated = 0
        while repeated < len(now) and now[repeated] in before:
            repeated += 1
        # it starts with the previous chunk's last whole sentences, at most 20 tokens
        assert repeated >= 1
        assert now[:repeated] == before[-repeated:]
        assert sum(count_tokens(s) for s in now[:repeated]) <= 20
    without = chunk_text(TEXT, size=40, overlap=0)
    assert len(chunks) > len(without)


def test_a_sentence_longer_than_the_size_is_cut_at_words() -> None:
    long = " ".join(f"word{i}" for i in range(100)) + "."
    chunks = chunk_text(long, size=30, overlap=0)
    assert [c.token_count for c in chunks] == [30, 30, 30, 11]
    assert " ".join(c.content for c in chunks) == long


def test_identical_chunks_are_kept_once_and_hashes_are_sha256() -> None:
    repeated = "\n\n".join([_paragraph(1)] * 3 + [_paragraph(2)])
    chunks = chunk_text(repeated, size=60, overlap=0)
    assert [c.content for c in chunks] == [_paragraph(1), _paragraph(2)]
    assert [c.index for c in chunks] == [0, 1]
    for chunk in chunks:
        assert chunk.content_hash == sha256(chunk.content.encode()).hexdigest()


@pytest.mark.parametrize(("size", "overlap"), [(8, 0), (5000, 0), (100, 51), (100, -1)])
def test_sizes_out_of_range_are_refused(size: int, overlap: int) -> None:
    with pytest.raises(BadUserInput):
        chunk_text(TEXT, size=size, overlap=overlap)
