"""How durable-rules 2.0.28 names the messages in its working memory, so that a
test can place a message there that it confuses with the next one Reactions
sends.

A message without an `id` key is named `$` and the first 19 digits of a 64-bit
FNV-1a hash of its properties (sorted by the 32-bit FNV-1a hash of their names:
each name's hash, then its value's text); a message with an `id` is named by it.
A stored message is then found by the **32-bit** FNV-1a hash of its name only:
two different messages whose names share that hash are one message to it, and
the second is refused as "already observed". (Checked against the engine itself
by the tests that use this: each asserts that durable-rules refuses the message.)
"""

from __future__ import annotations

import itertools
import json
import string

_MASK32, _MASK64 = 2**32 - 1, 2**64 - 1
_PRIME32, _BASIS32 = 16_777_619, 2_166_136_261
_PRIME64, _BASIS64 = 1_099_511_628_211, 14_695_981_039_346_656_037
_INVERSE32 = pow(_PRIME32, -1, 2**32)
_ALPHABET = (string.ascii_letters + string.digits).encode()


def fnv1a32(text: str, start: int = _BASIS32) -> int:
    value = start
    for byte in text.encode():
        value = ((value ^ byte) * _PRIME32) & _MASK32
    return value


def message_name(message: dict) -> str:
    """The name durable-rules gives a message without an `id`."""
    value = _BASIS64
    for name, item in sorted(message.items(), key=lambda pair: fnv1a32(pair[0])):
        value = ((value ^ fnv1a32(name)) * _PRIME64) & _MASK64
        text = item if isinstance(item, str) else json.dumps(item)
        for byte in text.encode():
            value = ((value ^ byte) * _PRIME64) & _MASK64
    return f"${value:020d}"[:20]


def same_slot_name(message: dict, prefix: str = "twin-") -> str:
    """Another name whose 32-bit hash is that of `message`'s name: `prefix` and six
    letters or digits, found by meeting in the middle (three forward from the
    prefix, three back from the target: FNV-1a's multiplication is invertible)."""
    target = fnv1a32(message_name(message))
    forward = {}
    for tail in itertools.product(_ALPHABET, repeat=3):
        forward.setdefault(fnv1a32(bytes(tail).decode(), fnv1a32(prefix)), bytes(tail))
    for tail in itertools.product(_ALPHABET, repeat=3):
        value = target
        for byte in reversed(tail):
            value = ((value * _INVERSE32) & _MASK32) ^ byte
        head = forward.get(value)
        if head is not None:
            return prefix + (head + bytes(tail)).decode()
    raise LookupError("no name found")  # ~13 are expected: never seen


def twin(message: dict) -> dict:
    """A fact durable-rules stores (an allocation at no node of any test network)
    under a different name in the same slot as `message`'s."""
    return {
        "sid": message["sid"],
        "id": same_slot_name(message),
        "t": "allocation",
        "aid": 0,
        "node_id": "(no node)",
        "sku": "(no sku)",
    }
