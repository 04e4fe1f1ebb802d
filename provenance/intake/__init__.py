"""Stage 0: claims as a manifest states them, validated; no media is opened here.

A bad line never stops the others: :func:`read_manifest` returns the claims it
could take and the problems of the lines it could not, each with its line
number and reason.
"""

from ._manifest import (
    CLAIM_ID,
    Manifest,
    ManifestEntry,
    parse_claim,
    parse_claimed_at,
    read_manifest,
    resolve_media_path,
)

__all__ = [
    "CLAIM_ID",
    "Manifest",
    "ManifestEntry",
    "parse_claim",
    "parse_claimed_at",
    "read_manifest",
    "resolve_media_path",
]
