"""Reading the fixtures' ground truth (``ground_truth.json``)."""

from __future__ import annotations


def event_of(truth: dict, media: str) -> tuple[str | None, str | None]:
    """(event, camera) a fixture item shows, following copies back to their source."""
    item = truth["media"].get(media)
    if item is None:
        return None, None
    if item["event"]:
        return item["event"], item["camera"]
    for copy in truth["copies"]:
        if copy["media"] == media:
            return event_of(truth, copy["source"])
    return None, None
