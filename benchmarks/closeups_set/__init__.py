"""Identifying close-ups of drone airframes (same airframe vs same model) with ground truth."""
