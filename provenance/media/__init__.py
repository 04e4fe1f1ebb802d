"""Stage 1: media files, the only code that opens them.

Media are identified by the sha256 of their bytes (the same bytes are the same
media, whatever the file is called) and recognised by their content, not
their name: a still is whatever Pillow opens, a video whatever PyAV decodes.
Videos are streamed (never held whole in memory): sampled frames with their
decoder timestamps, what changed between decoded frames (a launch's flash),
and, only where asked, the sound. Everything later works on what this stage
yields; nothing later opens a file.
"""

from ._changes import Transient
from ._metadata import CaptureTime, ContentCredentials, FileMetadata, Tag, read_metadata
from ._picture import Crop, find_content
from ._probe import MAX_IMAGE_PIXELS, MAX_VIDEO_PIXELS, Still, probe_media, read_still, sha256_file
from ._sound import SOUND_RATE, sound_in
from ._video import (
    ANALYSIS_WIDTH,
    DEADLINE,
    DecodeReport,
    Frame,
    extract_frames,
    frame_at,
    transients_in,
)

__all__ = [
    "ANALYSIS_WIDTH",
    "DEADLINE",
    "MAX_IMAGE_PIXELS",
    "MAX_VIDEO_PIXELS",
    "SOUND_RATE",
    "CaptureTime",
    "ContentCredentials",
    "Crop",
    "DecodeReport",
    "FileMetadata",
    "Frame",
    "Still",
    "Tag",
    "Transient",
    "extract_frames",
    "find_content",
    "frame_at",
    "probe_media",
    "read_metadata",
    "read_still",
    "sha256_file",
    "sound_in",
    "transients_in",
]
