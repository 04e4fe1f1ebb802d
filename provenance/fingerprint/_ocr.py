"""The OCR engine, the only part of the close-up stage with a model, and the stage itself.

:func:`read_media_closeups` reads the candidate frames' text with RapidOCR
(its models ship inside its wheel: no download, no network) and measures their
surfaces (:mod:`provenance.fingerprint._surface`), so a close-up is recognised
with or without text.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import replace

import cv2
import numpy as np

from ._closeups import Box, CloseupReading, read_closeups
from ._surface import CloseupPicture, measure_surface

# RapidOCR's detector scales the *shorter* side up to 736 px by default: a
# 640x360 frame becomes 1308x736, four times the pixels. Frames here are at
# most 640 px wide already and markings worth reading are >= 12 px tall, so
# the longer side is capped at 640 instead (no upscaling).
OCR_PARAMS = {
    "Global.log_level": "error",
    "Det.limit_type": "max",
    "Det.limit_side_len": 640,
}

_engine = None
_engine_lock = threading.Lock()


def _floats(box: tuple[float, float, float, float]) -> Box:
    return (float(box[0]), float(box[1]), float(box[2]), float(box[3]))


class RapidReader:
    """RapidOCR with the models in its wheel: no download, no network.

    One engine per process, made on first use (loading takes about a second).
    Raises ImportError if ``rapidocr`` or ``onnxruntime`` is missing.
    """

    def __init__(self) -> None:
        global _engine
        with _engine_lock:
            if _engine is None:
                from rapidocr import RapidOCR

                _engine = RapidOCR(params=OCR_PARAMS)
        self.engine = _engine

    def lines(self, luma: np.ndarray) -> list[tuple[str, float, Box]]:
        # every flag explicit: RapidOCR keeps the last call's flags
        result = self.engine(
            cv2.cvtColor(luma, cv2.COLOR_GRAY2BGR), use_det=True, use_cls=False, use_rec=True
        )
        # one of RapidOCR's four output classes, by the steps that gave a result: only
        # the one of detection and recognition has boxes, texts and their scores
        boxes, texts = getattr(result, "boxes", None), getattr(result, "txts", None)
        scores = getattr(result, "scores", None)
        if boxes is None or texts is None or scores is None:
            return []
        out = []
        for box, text, score in zip(boxes, texts, scores, strict=True):
            pts = np.asarray(box, np.float32).reshape(-1, 2)
            corners = (pts[:, 0].min(), pts[:, 1].min(), pts[:, 0].max(), pts[:, 1].max())
            out.append((str(text), float(score), _floats(corners)))
        return out

    def recognise(self, crop: np.ndarray) -> tuple[str, float]:
        if crop.size == 0:
            return "", 0.0
        result = self.engine(
            cv2.cvtColor(crop, cv2.COLOR_GRAY2BGR), use_det=False, use_cls=False, use_rec=True
        )
        # None unless recognition gave a result (see lines)
        texts, scores = getattr(result, "txts", None), getattr(result, "scores", None)
        if not texts or not scores:
            return "", 0.0
        return str(texts[0]), float(scores[0])


def read_media_closeups(frames: Iterable[tuple[float, np.ndarray]]) -> CloseupReading:
    """The close-up reading of candidate ``frames``: their text and their surfaces.

    Without the OCR engine the text is unknown (``error``) but the surfaces
    are still measured.
    """
    frames = list(frames)
    surfaces = tuple(measure_surface(luma, time_s) for time_s, luma in frames)
    try:
        reader = RapidReader()
    except ImportError as exc:
        reading = CloseupReading(tuple(t for t, _ in frames), error=f"OCR not available: {exc}")
    else:
        reading = read_closeups(frames, reader)
    return replace(reading, surfaces=surfaces)


def closeup_picture(
    reading: CloseupReading, frames: Iterable[tuple[float, np.ndarray]]
) -> CloseupPicture | None:
    """The picture of ``reading``'s best close-up frame among ``frames`` (None: no close-up)."""
    when = reading.picture_s
    if when is None:
        return None
    return next((CloseupPicture.of(t, luma) for t, luma in frames if t == when), None)
