"""pgvector's ``vector`` on the wire: the encoder every connection uses.

pgvector's own encoder takes only its ``Vector``, and building one copies the numbers
through a Python list. Here a single-precision ``array`` (what
``aura.ai.embedder.check_vector`` returns) is sent as it is, and any other sequence of
numbers is packed once. In an array parameter (``$1::vector[]``) an element must not
look like a sequence, which asyncpg would take for a nested dimension: ``Packed`` wraps
one for that.
"""

from __future__ import annotations

import struct
import sys
from array import array
from collections.abc import Sequence
from dataclasses import dataclass

from pgvector import Vector


@dataclass(frozen=True, slots=True)
class Packed:
    """One vector's numbers, for a ``vector[]`` parameter."""

    numbers: array[float] | Sequence[float]


def encode(value: Packed | Vector | array[float] | Sequence[float]) -> bytes:
    """The binary format: the dimension, a zero, the numbers as big-endian floats."""
    if isinstance(value, Vector):
        return value.to_binary()
    numbers = value.numbers if isinstance(value, Packed) else value
    packed = array("f", numbers)  # a copy: the byte swap must not change the caller's
    if sys.byteorder == "little":
        packed.byteswap()
    return struct.pack(">HH", len(packed), 0) + packed.tobytes()


decode = Vector.from_binary
