"""Signed JSON documents: the ruleset artifact production loads and the exported
ruleset store. A document is signed with an Ed25519 private key over its canonical
bytes (every field but `signature`, keys sorted, no spaces, UTF-8); whoever loads
it verifies the signature with the public keys they trust, so no field can be
changed after signing. JSON is read strictly (no duplicate keys, no NaN, bounded
numbers and nesting) so that what is verified is exactly what was signed.

Keys are PEM files: the private key of the one who signs is named by
$SOURCING_SIGNING_KEY, the public keys loading trusts by $SOURCING_TRUSTED_KEYS
(several paths separated by `:`, so keys can rotate)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from engine.errors import ArtifactError

Number = TypeVar("Number", int, float)

SIGNING_KEY_VARIABLE = "SOURCING_SIGNING_KEY"
TRUSTED_KEYS_VARIABLE = "SOURCING_TRUSTED_KEYS"
SIGNATURE_FIELD = "signature"
ALGORITHM = "ed25519"
PRIVATE_KEY_FILE = "signing-key.pem"
PUBLIC_KEY_FILE = "signing-key.pub.pem"
MAX_JSON_DEPTH = 32
"""Deepest nesting of arrays and objects a signed document may have."""
MAX_NUMBER_DIGITS = 30
"""Longest number (in characters) a signed document may hold."""
_KEY_ID = re.compile(r"[0-9a-f]{16}")


class SigningError(ArtifactError):
    """A key cannot be used: missing, unreadable, not an Ed25519 key, or already there."""


class DocumentError(ArtifactError):
    """The bytes are not a JSON document that can be verified: the message says why."""


class SignatureRefused(ArtifactError):
    """The document's signature does not establish who signed it. `kind` is
    `unsigned` (no signature), `untrusted` (a well-formed signature by a key not
    trusted here), `malformed` or `mismatch` (a trusted key refutes it)."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class TrustedKeys:
    """The public keys a loader trusts, by key id."""

    keys: Mapping[str, Ed25519PublicKey] = field(default_factory=dict)

    def ids(self) -> list[str]:
        return list(self.keys)

    def __bool__(self) -> bool:
        return bool(self.keys)


# ------------------------------------------------------------------ keys


def key_id(public_key: Ed25519PublicKey) -> str:
    """A short, stable name for a public key: the first 16 hex digits of the sha256
    of its raw bytes (what `sourcing keys generate` prints)."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def load_signing_key(path: str | Path, variable: str = SIGNING_KEY_VARIABLE) -> Ed25519PrivateKey:
    """The Ed25519 private key in the PEM file at `path` (unencrypted PKCS#8)."""
    data = _key_file(path, variable)
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as error:
        raise SigningError(
            f"{variable}: {path} is not an unencrypted PEM private key ({error}); "
            "make one with `sourcing keys generate --out DIR`"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningError(f"{variable}: {path} is not an Ed25519 key")
    return key


def load_public_key(path: str | Path, variable: str = TRUSTED_KEYS_VARIABLE) -> Ed25519PublicKey:
    """The Ed25519 public key in the PEM file at `path`."""
    data = _key_file(path, variable)
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as error:
        raise SigningError(
            f"{variable}: {path} is not a PEM public key ({error}); give the "
            f"{PUBLIC_KEY_FILE} that `sourcing keys generate` wrote"
        ) from None
    if not isinstance(key, Ed25519PublicKey):
        raise SigningError(f"{variable}: {path} is not an Ed25519 public key")
    return key


def load_trusted_keys(
    paths: Iterable[str | Path], variable: str = TRUSTED_KEYS_VARIABLE
) -> TrustedKeys:
    keys = {}
    for path in paths:
        public = load_public_key(path, variable)
        keys[key_id(public)] = public
    return TrustedKeys(keys)


def signing_key_from_environment(
    environ: Mapping[str, str] | None = None,
) -> Ed25519PrivateKey | None:
    """The private key $SOURCING_SIGNING_KEY names, or None when it is not set."""
    path = (os.environ if environ is None else environ).get(SIGNING_KEY_VARIABLE, "").strip()
    return load_signing_key(path) if path else None


def trusted_keys_from_environment(environ: Mapping[str, str] | None = None) -> TrustedKeys:
    """The public keys $SOURCING_TRUSTED_KEYS names (none when it is not set)."""
    value = (os.environ if environ is None else environ).get(TRUSTED_KEYS_VARIABLE, "")
    return load_trusted_keys(part for part in value.split(os.pathsep) if part.strip())


def generate_key_pair(folder: str | Path) -> tuple[Path, Path, str]:
    """Write a new key pair into `folder` (created if missing): the private key
    readable by its owner only (mode 0600), the public key beside it. Never
    overwrites a key. Returns (private key file, public key file, key id)."""
    folder = Path(folder)
    private_path, public_path = folder / PRIVATE_KEY_FILE, folder / PUBLIC_KEY_FILE
    for path in (private_path, public_path):
        if os.path.lexists(path):
            raise SigningError(f"{path} already exists: keys are never overwritten")
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _write_new(private_path, private, 0o600)
        _write_new(public_path, public, 0o644)
    except OSError as error:
        raise SigningError(f"cannot write the key pair in {folder}: {error}") from None
    return private_path, public_path, key_id(key.public_key())


# --------------------------------------------------------------- documents


def canonical_bytes(document: Mapping[str, Any]) -> bytes:
    """What a signature covers: every field but `signature`, in canonical JSON."""
    return canonical_json({key: value for key, value in document.items() if key != SIGNATURE_FIELD})


def canonical_json(value: Any) -> bytes:
    """`value` as compact JSON with sorted keys, non-ASCII characters as themselves,
    in UTF-8: the same bytes for the same data, however the file was laid out."""
    try:
        text = json.dumps(
            value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        )
    except (TypeError, ValueError) as error:
        raise DocumentError(f"the document cannot be serialised canonically: {error}") from None
    return text.encode("utf-8")


def sign_document(document: Mapping[str, Any], key: Ed25519PrivateKey) -> dict[str, Any]:
    """The document with its `signature`: algorithm, key id and the base64 signature."""
    value = key.sign(canonical_bytes(document))
    unsigned = {k: v for k, v in document.items() if k != SIGNATURE_FIELD}
    return {
        **unsigned,
        SIGNATURE_FIELD: {
            "algorithm": ALGORITHM,
            "key_id": key_id(key.public_key()),
            "value": base64.b64encode(value).decode("ascii"),
        },
    }


def verify_document(document: Mapping[str, Any], trusted: TrustedKeys) -> str:
    """The id of the trusted key whose signature the document carries, or
    `SignatureRefused` saying why not."""
    signature = document.get(SIGNATURE_FIELD)
    if signature is None:
        raise SignatureRefused("unsigned", "it is not signed")
    key, value = _signature_parts(signature)
    public = trusted.keys.get(key)
    if public is None:
        known = ", ".join(trusted.ids()) or "none"
        raise SignatureRefused(
            "untrusted",
            f"it is signed by key {key}, which is not trusted (trusted keys: {known}); "
            f"add that key's public key file to ${TRUSTED_KEYS_VARIABLE}",
        )
    try:
        public.verify(value, canonical_bytes(document))
    except InvalidSignature:
        raise SignatureRefused(
            "mismatch",
            f"its signature does not match its content (key {key}): it was changed after it "
            "was signed",
        ) from None
    return key


def read_json(data: bytes, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Parse UTF-8 JSON strictly: no byte-order mark, no duplicate keys, no NaN or
    Infinity, numbers of at most MAX_NUMBER_DIGITS characters, nesting at most
    `max_depth` deep. `DocumentError` says what is wrong."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise DocumentError(f"not UTF-8 text ({error})") from None
    try:
        document = json.loads(
            text,
            object_pairs_hook=_unique_keys,
            parse_constant=_no_constant,
            parse_int=_bounded(int),
            parse_float=_bounded(float),
        )
    except RecursionError:
        raise DocumentError(f"nested more than {max_depth} levels deep") from None
    except ValueError as error:  # JSONDecodeError, and the hooks' refusals
        raise DocumentError(f"not valid JSON ({error})") from None
    if _depth(document) > max_depth:
        raise DocumentError(f"nested more than {max_depth} levels deep")
    return document


# ---------------------------------------------------------------- helpers


def _key_file(path: str | Path, variable: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read(64 * 1024)
    except OSError as error:
        raise SigningError(
            f"{variable}: cannot read the key file {path} ({error.strerror or error})"
        ) from None


def _write_new(path: Path, data: bytes, mode: int) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
    with os.fdopen(descriptor, "wb") as handle:
        os.fchmod(handle.fileno(), mode)  # whatever the umask says
        handle.write(data)


def _signature_parts(signature: Any) -> tuple[str, bytes]:
    expected = f'{{"algorithm": "{ALGORITHM}", "key_id": "<16 hex digits>", "value": "<base64>"}}'
    if not isinstance(signature, dict) or set(signature) != {"algorithm", "key_id", "value"}:
        raise SignatureRefused("malformed", f"its signature is not of the form {expected}")
    if signature["algorithm"] != ALGORITHM:
        raise SignatureRefused(
            "malformed", f"its signature uses {signature['algorithm']!r}; only {ALGORITHM} is read"
        )
    key, value = signature["key_id"], signature["value"]
    if not isinstance(key, str) or not _KEY_ID.fullmatch(key) or not isinstance(value, str):
        raise SignatureRefused("malformed", f"its signature is not of the form {expected}")
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise SignatureRefused("malformed", "its signature value is not base64") from None
    if len(raw) != 64:
        raise SignatureRefused("malformed", "its signature value is not an Ed25519 signature")
    return key, raw


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document = {}
    for key, value in pairs:
        if key in document:
            raise ValueError(f"the key {key!r} appears twice in one object")
        document[key] = value
    return document


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number JSON allows")


def _bounded(kind: Callable[[str], Number]) -> Callable[[str], Number]:
    def parse(text: str) -> Number:
        if len(text) > MAX_NUMBER_DIGITS:
            raise ValueError(f"the number {text[:12]}… is longer than {MAX_NUMBER_DIGITS} digits")
        return kind(text)

    return parse


def _depth(value: Any) -> int:
    """How deeply arrays and objects nest in `value` (a scalar is 0), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        children: Iterable[Any]
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children)
    return deepest
