"""The whole ruleset store as a folder of `.route` files plus a manifest, so rulesets
can live in git and move between stores:

    FOLDER/manifest.json          format, rulesets, versions (state, author, hash, …),
                                  each ruleset's audit digest, and the signature
    FOLDER/<name>/v0001.route     the canonical text of each version
    FOLDER/<name>/audit.json      the ruleset's audit trail

Export writes only inside the folder, never through a symbolic link, and removes
only the files a previous export listed. Import reads only regular files inside
the folder, each under a size limit, and validates every field; it is all or
nothing, refuses a text that no longer matches its recorded hash (versions are
immutable), and keeps published versions only for a folder signed by a trusted
key whose history verifies; otherwise every version arrives as a draft
(`rulesets.store.transfer`).
"""

from rulesets.folder.reading import ImportReport, import_folder, read_folder
from rulesets.folder.schema import (
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    MAX_AUDIT_BYTES,
    MAX_IMPORT_BYTES,
    MAX_MANIFEST_BYTES,
    MAX_VERSION_BYTES,
    audit_digest,
)
from rulesets.folder.writing import export_folder

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "MANIFEST",
    "MAX_AUDIT_BYTES",
    "MAX_IMPORT_BYTES",
    "MAX_MANIFEST_BYTES",
    "MAX_VERSION_BYTES",
    "ImportReport",
    "audit_digest",
    "export_folder",
    "import_folder",
    "read_folder",
]
