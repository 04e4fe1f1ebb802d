#!/usr/bin/env bash
# Self-test: make tiny synthetic clips, run every available peer adapter, summarize,
# and time the ffmpeg decode baseline on a 60 s 1280x720 30 fps H.264 clip.
#   bash benchmarks/peers/selftest.sh [OUT_DIR=/tmp/peer_selftest]
# Needs a python with numpy + PyAV for clip generation: $PYTHON_AV (default /tmp/venv/bin/python).
set -u
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
VENVS="${BENCH_VENVS:-$REPO/.bench/venvs}"
OUT="${1:-/tmp/peer_selftest}"
PYAV="${PYTHON_AV:-/tmp/venv/bin/python}"
mkdir -p "$OUT"
[ -f "$OUT/pairs.json" ] || "$PYAV" "$HERE/make_test_videos.py" --out-dir "$OUT" || exit 1
[ -f "$OUT/decode_720p60s.mp4" ] || "$PYAV" "$HERE/make_test_videos.py" --decode-clip "$OUT/decode_720p60s.mp4" || exit 1
res=()
for peer in videohash vpdq perception; do
  py="$VENVS/$peer/bin/python"
  if [ ! -x "$py" ]; then echo "[$peer] no venv at $VENVS/$peer (run setup.sh) - skipped"; continue; fi
  "$py" "$HERE/adapter_$peer.py" --pairs "$OUT/pairs.json" --out "$OUT/results_$peer.json" --repeat "${REPEAT:-3}" \
    && res+=("$OUT/results_$peer.json") || echo "[$peer] adapter exited non-zero"
done
python3 "$HERE/summarize.py" "${res[@]}"
echo "== decode baseline: $OUT/decode_720p60s.mp4"
bash "$HERE/decode_baseline.sh" "$OUT/decode_720p60s.mp4" 3
