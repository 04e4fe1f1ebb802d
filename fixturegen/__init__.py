"""Synthetic claim-footage fixtures with exact ground truth.

``make_fixture_set(out_dir)`` renders launch sites in 3-D (so different
cameras show real parallax), launch events, night footage, channel bumpers,
airframe close-ups with serials and scratches, and copies made by decoding and
editing earlier files; it writes a manifest of claims and ``ground_truth.json``
describing every media item, copy, other angle, recycled identifier and trap.
"""

from .catalogue import FIXTURE_FORMAT, make_fixture_set

__all__ = ["FIXTURE_FORMAT", "make_fixture_set"]
