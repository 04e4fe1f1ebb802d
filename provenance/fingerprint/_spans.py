"""Spans of media time, merged where they overlap (what to decode again, what to keep)."""

from __future__ import annotations

from collections.abc import Iterable


def merge_spans(spans: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
    """``spans`` (start, end) in time order, overlapping or touching ones joined, empty ones out."""
    merged: list[tuple[float, float]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        elif end > start:
            merged.append((start, end))
    return merged
