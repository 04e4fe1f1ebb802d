"""A multi-camera development set: many launches, each filmed by 2-4 phones.

Issue 17: the fixture set's cameras stand side by side at one height and its
sound gives every microphone the same waveform, so thresholds tuned on it
measure the generator. This generator reuses the fixture set's 3-D renderer
(:mod:`fixturegen.scene`, :mod:`fixturegen.launch`) and launch sound
(:mod:`fixturegen.audio`) and adds what phones at a launch record:

- :mod:`.world`: sites seen from every side (buildings as boxes, trees,
  lamps, rings of tree lines and hills), day, dusk and night;
- :mod:`.camera`: cameras placed around the launcher (20-180 degrees apart,
  ground, roof, hill, 40-800 m), handheld (wander, roll, tremor, jolts, a pan
  after the drone), zooming, portrait or landscape;
- :mod:`.picture`: the renderer for them (ground ray-cast per pixel, one-sided
  walls, texture levels) and the phone (auto-exposure pumping at the flash,
  tone, softness, motion blur, noise);
- :mod:`.sound`: the launch heard from each camera's direction and distance,
  reflections and echoes, wind, voices, overload, automatic gain, a music bed;
- :mod:`.mediaio`: H.264 and AAC (44.1/48 kHz, 64-128 kbit/s), byte-reproducible;
- :mod:`.plan`: the seeded plan (sites, launch groups, posts, takes) and the truth;
- :mod:`.build`: :func:`make_set`.
"""

from .build import make_set
from .plan import DEFAULT_SEED, SET_FORMAT, takes

__all__ = ["DEFAULT_SEED", "SET_FORMAT", "make_set", "takes"]
