"""Secrets kept in the database only in a form that a copy of the database cannot use.

Each purpose gets its own key, derived from KOERS_SECRET_KEY with HKDF-SHA256, so the database and
its backups hold nothing that opens a check-in, a pause link or an account without that key:

- `seal`/`unseal`: AES-256-GCM for what Koers must read back (a coach's TOTP secret, the tokens in
  emails that wait in the outbox). The purpose is bound in as associated data, so a value sealed for
  one purpose does not open as another.
- `fingerprint`: HMAC-SHA256 for what Koers only needs to recognise (the email a sign-in attempt was
  for), so counters can be kept per address without storing the address.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PREFIX = "sealed."  # a sealed value: PREFIX + base64url(nonce + ciphertext), no padding
NONCE_BYTES = 12
_SEALED = re.compile(re.escape(PREFIX) + r"[A-Za-z0-9_\-]+")


class SealBroken(Exception):
    """A sealed value does not open with this key: the key changed, or the value was altered."""


def derive_key(secret_key: str, purpose: str) -> bytes:
    """The 32-byte key for one purpose, derived from KOERS_SECRET_KEY."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=f"koers {purpose}".encode()).derive(secret_key.encode())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def is_sealed(value: str | None) -> bool:
    return value is not None and _SEALED.fullmatch(value) is not None


def seal(secret_key: str, purpose: str, plaintext: str) -> str:
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(derive_key(secret_key, purpose)).encrypt(nonce, plaintext.encode(), purpose.encode())
    return PREFIX + _b64(nonce + sealed)


def unseal(secret_key: str, purpose: str, value: str) -> str:
    if not is_sealed(value):
        raise SealBroken("not a sealed value")
    try:
        data = _unb64(value[len(PREFIX):])
        opened = AESGCM(derive_key(secret_key, purpose)).decrypt(
            data[:NONCE_BYTES], data[NONCE_BYTES:], purpose.encode())
    except (InvalidTag, ValueError):
        raise SealBroken("the value does not open with this KOERS_SECRET_KEY") from None
    return opened.decode()


def fingerprint(secret_key: str, purpose: str, value: str) -> str:
    """A keyed hash of `value` (hex): the same value gives the same fingerprint, and without the key
    no one can tell which value it was, or test a guess."""
    return hmac.new(derive_key(secret_key, purpose), value.encode(), hashlib.sha256).hexdigest()
