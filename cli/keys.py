"""`sourcing keys generate --out DIR`: a first Ed25519 key pair for signing ruleset
artifacts and store exports (engine.signing).

    DIR/signing-key.pem       the private key (mode 0600): $SOURCING_SIGNING_KEY where exports run
    DIR/signing-key.pub.pem   the public key: $SOURCING_TRUSTED_KEYS where artifacts are loaded

Exit codes: 0 written, 2 a key is already there or the folder cannot be written.
"""

from __future__ import annotations

import argparse
import sys

EXIT_OK, EXIT_UNAVAILABLE = 0, 2


def register(subparsers: argparse._SubParsersAction) -> None:
    group = subparsers.add_parser(
        "keys",
        help="signing keys for ruleset artifacts and store exports",
        description="Make the Ed25519 key pair that signs artifacts and store exports.",
    )
    commands = group.add_subparsers(dest="keys_command", required=True, metavar="COMMAND")
    generate = commands.add_parser(
        "generate",
        help="write a new key pair (never overwrites one)",
        description=(
            "Write DIR/signing-key.pem (the private key, readable by its owner only) and "
            "DIR/signing-key.pub.pem (the public key to trust). Keep the private key where "
            "exports run and nowhere else."
        ),
    )
    generate.add_argument("--out", required=True, metavar="DIR", help="folder to write into")
    generate.set_defaults(handler=run_generate)


def run_generate(args: argparse.Namespace) -> int:
    from engine.signing import (
        SIGNING_KEY_VARIABLE,
        TRUSTED_KEYS_VARIABLE,
        SigningError,
        generate_key_pair,
    )

    try:
        private, public, key = generate_key_pair(args.out)
    except SigningError as error:
        print(f"sourcing keys: {error}", file=sys.stderr)
        return EXIT_UNAVAILABLE
    print(f"wrote key {key}: {private} (private, mode 0600) and {public} (public)")
    print(f"sign exports with:      {SIGNING_KEY_VARIABLE}={private}")
    print(f"trust it when loading:  {TRUSTED_KEYS_VARIABLE}={public}")
    return EXIT_OK
