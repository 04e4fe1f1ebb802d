"""The multi-camera development set of issue 17: generate it, split it, score a half.

- ``make_set``: writes the set (``fixturegen.multicam``) to ``.bench/angles_set``:
  ``media/``, ``manifest.jsonl`` (one claim per clip), ``truth.json``;
- ``split``: the fixed split into half A (tuning) and half B (held apart),
  ``split.json`` beside this file;
- ``score``: ingests one half into a fresh archive, re-scores it and scores the
  ``other_angle`` and ``same_site`` findings against the truth; ``--dump-pairs``
  writes every cue of every true and trap pair, for tuning.
"""
