"""Envelope encryption: AES-256-GCM data keys wrapped by a master key.

The master key comes from ``AURA_MASTER_KEY`` (32 bytes, base64). In development, when
it is unset, a random key is generated once into ``$AURA_HOME/master-key`` (mode 0600),
like the JWT secret; production mode refuses to start without it. It never reaches the
database: the database holds only data keys encrypted ("wrapped") under it, and values
encrypted under a data key.

A sealed value is ``version (1) | data key id (16) | nonce (12) | ciphertext + tag``.
The associated data binds the ciphertext to its place (table, row, column) and to the
data key, so a ciphertext copied to another row or column, or relabelled with another
key, fails to open instead of revealing anything.
"""

from __future__ import annotations

import base64
import binascii
import os
import uuid
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from aura.config import Settings

KEY_BYTES = 32
NONCE_BYTES = 12
VERSION = 1
ALGORITHM = "AES-256-GCM"
_HEADER = 1 + 16 + NONCE_BYTES


class VaultError(Exception):
    """A value or a data key does not open: wrong master key, tampering, or corruption."""


def _decode_master(raw: str, name: str = "AURA_MASTER_KEY") -> bytes:
    try:
        key = base64.b64decode(raw.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise RuntimeError(f"{name} must be base64 (32 random bytes)") from exc
    if len(key) != KEY_BYTES:
        raise RuntimeError(f"{name} must decode to {KEY_BYTES} bytes, not {len(key)}")
    return key


def new_master_key() -> str:
    """A fresh master key, base64 (what ``AURA_MASTER_KEY`` expects)."""
    return base64.b64encode(os.urandom(KEY_BYTES)).decode()


def master_key(settings: Settings) -> bytes:
    """The master key of this process (see the module docstring)."""
    if settings.master_key:
        return _decode_master(settings.master_key)
    if settings.production:
        raise RuntimeError("AURA_MASTER_KEY must be set in production mode")
    path = Path(settings.home) / "master-key"
    if path.exists():
        return _decode_master(path.read_text())
    path.parent.mkdir(parents=True, exist_ok=True)
    encoded = new_master_key()
    # O_EXCL: two processes starting at once must not each write a different key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _decode_master(path.read_text())
    with os.fdopen(fd, "w") as handle:
        handle.write(encoded)
    return _decode_master(encoded)


def previous_master_keys(settings: Settings) -> tuple[bytes, ...]:
    """The master keys being rotated away from (``AURA_MASTER_KEY_PREVIOUS``, comma
    separated): they still open data keys, and never wrap new ones."""
    raw = settings.master_key_previous or ""
    return tuple(
        _decode_master(part, "AURA_MASTER_KEY_PREVIOUS") for part in raw.split(",") if part.strip()
    )


def place(table: str, row: str, column: str) -> bytes:
    """The associated data naming where a ciphertext lives."""
    return f"aura/{table}/{row}/{column}".encode()


def _aad(where: bytes, key_id: str) -> bytes:
    return where + b"@" + key_id.encode()


def wrap_key(master: bytes, key_id: str, data_key: bytes) -> bytes:
    """A data key encrypted under the master key, bound to its id."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(master).encrypt(nonce, data_key, place("encryption_keys", key_id, "key"))


def unwrap_key(master: bytes, key_id: str, wrapped: bytes) -> bytes:
    nonce, body = wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:]
    try:
        return AESGCM(master).decrypt(nonce, body, place("encryption_keys", key_id, "key"))
    except InvalidTag as exc:
        raise VaultError(
            f"data key {key_id} does not open with this master key (is AURA_MASTER_KEY right?)"
        ) from exc


def new_data_key() -> tuple[str, bytes]:
    return str(uuid.uuid4()), AESGCM.generate_key(bit_length=KEY_BYTES * 8)


def seal(key_id: str, data_key: bytes, plaintext: str, where: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    body = AESGCM(data_key).encrypt(nonce, plaintext.encode(), _aad(where, key_id))
    return bytes([VERSION]) + uuid.UUID(key_id).bytes + nonce + body


def sealed_key_id(blob: bytes) -> str:
    """The id of the data key a sealed value was encrypted with."""
    if len(blob) < _HEADER or blob[0] != VERSION:
        raise VaultError("not a sealed value")
    return str(uuid.UUID(bytes=bytes(blob[1:17])))


def unseal(data_key: bytes, blob: bytes, where: bytes) -> str:
    key_id = sealed_key_id(blob)
    nonce, body = bytes(blob[17:_HEADER]), bytes(blob[_HEADER:])
    try:
        return AESGCM(data_key).decrypt(nonce, body, _aad(where, key_id)).decode()
    except InvalidTag as exc:
        raise VaultError("the value does not open here (moved, altered or wrong key)") from exc
