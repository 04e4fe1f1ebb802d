"""The jobs: each command's work, from manifest and media to archive and report.

Only here do the stages meet the edges: media are decoded (``provenance.media``)
and fingerprinted (``provenance.fingerprint``) item by item, in worker
processes or on a Dask cluster (:mod:`.pool`, :mod:`.cluster`); matchers and
detectors run on what the archive holds; this process alone writes to it.

- :func:`ingest_manifest`: claims and their new media into the archive;
- :func:`rescore`: the nightly job, incremental and resumable;
- :func:`check_media`: new footage against the archive, nothing stored;
- :func:`run_demo`: all of it on the shipped fixtures.
"""

from .check import CheckedMedia, CheckResult, check_media
from .demo import DemoResult, run_demo
from .ingest import IngestSummary, ingest_manifest
from .rescore import RescoreSummary, rescore

__all__ = [
    "CheckResult",
    "CheckedMedia",
    "DemoResult",
    "IngestSummary",
    "RescoreSummary",
    "check_media",
    "ingest_manifest",
    "rescore",
    "run_demo",
]
