"""recorded_before_claim: a capture time well before the claim, counted as the file allows."""

from __future__ import annotations

from datetime import UTC, datetime

from test_copies import stored

from provenance.findings import find_recorded_before
from provenance.media import CaptureTime, FileMetadata, Tag


def said(value: str, moment: datetime, zoned: bool) -> FileMetadata:
    tag = Tag("EXIF", "DateTimeOriginal", value)
    return FileMetadata((tag,), CaptureTime("EXIF DateTimeOriginal", value, moment, zoned))


def test_only_a_capture_time_more_than_a_day_before_the_claim_counts():
    claims = [stored("C", 10, 1, [("a.jpg", "a"), ("b.jpg", "b"), ("c.jpg", "c"), ("d.jpg", "d")])]
    metadata = {  # the claim: 2024-10-10 00:00 UTC
        "a": said("2024-10-08T00:00:00Z", datetime(2024, 10, 8, tzinfo=UTC), True),  # 2 days
        "b": said("2024-10-09T12:00:00Z", datetime(2024, 10, 9, 12, tzinfo=UTC), True),  # 0.5
        "c": said("2024:10:08 12:00:00", datetime(2024, 10, 8, 12, tzinfo=UTC), False),
        "d": said("2024-11-01T00:00:00Z", datetime(2024, 11, 1, tzinfo=UTC), True),  # after
    }
    found = find_recorded_before(claims, metadata)
    assert [f.media for f in found] == ["a.jpg"]  # c: 1.5 days as UTC, 0.92 as the latest
    assert found[0].evidence.days_before_claim == 2.0
    assert found[0].confidence == 0.9
    naive = said("2024:10:05 12:00:00", datetime(2024, 10, 5, 12, tzinfo=UTC), False)
    (late,) = find_recorded_before(claims, {"c": naive})
    assert (
        late.evidence.days_before_claim == 3.92
        and late.confidence == 0.8
        and not late.evidence.zoned
    )


def test_no_metadata_or_no_time_is_no_finding():
    claims = [stored("C", 10, 1, [("a.mp4", "a"), ("b.mp4", "b")])]
    assert find_recorded_before(claims, {"b": FileMetadata((), notes=("stripped",))}) == []
