#!/usr/bin/env bash
# Set up the peer tools for the provenance benchmark, each in its OWN venv
# (perception pulls opencv-contrib-python-headless, whose cv2 would clobber others).
#
#   bash benchmarks/peers/setup.sh            # idempotent; re-run any time
#   SKIP_APT=1 bash benchmarks/peers/setup.sh # skip the apt step (no root / already done)
#   PEERS="vpdq perception" bash benchmarks/peers/setup.sh   # subset
#
# Venvs: <repo>/.bench/venvs/<peer>  (git-ignored). Always exits 0; prints which
# peers are available and which are not.
set -u

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
VENVS="${BENCH_VENVS:-$REPO/.bench/venvs}"
PY="${PYTHON:-python3.11}"
PEERS="${PEERS:-videohash vpdq perception}"

# Pinned versions verified with the adapters (Python 3.11, Debian 12, 2024-2026 wheels).
declare -A PKGS=(
  [videohash]="videohash==3.0.1 pillow==9.5.0"   # videohash 3.0.1 breaks on Pillow>=10 (Image.ANTIALIAS)
  [vpdq]="vpdq==0.2.5"                            # sdist, builds against Debian's libav*-dev
  [perception]="perception==0.9.3"                # brings opencv-contrib-python-headless
)
declare -A IMPORTS=(
  [videohash]="videohash"
  [vpdq]="vpdq"
  [perception]="perception.hashers"
)

log() { printf '[peers-setup] %s\n' "$*"; }

# ---- system packages -------------------------------------------------------
APT_PKGS="ffmpeg pkg-config cmake g++ libavdevice-dev libavfilter-dev libavformat-dev libavcodec-dev libswresample-dev libswscale-dev libavutil-dev"
if [ "${SKIP_APT:-0}" != "1" ]; then
  missing=""
  for p in $APT_PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
  done
  if [ -n "$missing" ]; then
    SUDO=""; [ "$(id -u)" != "0" ] && SUDO="sudo"
    log "apt-get install:$missing"
    if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing; } >/tmp/peers-apt.log 2>&1; then
      log "WARNING: apt-get failed (see /tmp/peers-apt.log); vpdq build and videohash may fail"
    fi
  else
    log "apt packages already installed"
  fi
fi
command -v ffmpeg >/dev/null || log "WARNING: no ffmpeg binary on PATH (videohash and the decode baseline need it)"

# ---- one venv per peer -----------------------------------------------------
mkdir -p "$VENVS"
declare -A STATUS VERSION
for peer in $PEERS; do
  if [ -z "${PKGS[$peer]+x}" ]; then STATUS[$peer]="FAILED (unknown peer; known: ${!PKGS[*]})"; continue; fi
  venv="$VENVS/$peer"
  logf="$VENVS/$peer.install.log"
  if [ ! -x "$venv/bin/python" ]; then
    log "creating venv $venv"
    if ! "$PY" -m venv "$venv" >"$logf" 2>&1; then
      STATUS[$peer]="FAILED (venv creation, see $logf)"; continue
    fi
  fi
  # quick path: already installed at the pinned versions -> skip pip
  if "$venv/bin/python" - ${PKGS[$peer]} >/dev/null 2>&1 <<'EOF'
import sys
from importlib import metadata
for spec in sys.argv[1:]:
    name, ver = spec.split("==")
    if metadata.version(name) != ver:
        sys.exit(1)
EOF
  then
    log "$peer: pinned packages already present"
  else
    log "$peer: pip install ${PKGS[$peer]} (log: $logf)"
    # constraints/<peer>.txt = the full `pip freeze` of the venv the adapters were verified
    # with, so transitive deps (numpy, opencv, scipy, ...) do not drift.
    if ! "$venv/bin/python" -m pip install ${PKGS[$peer]} -c "$HERE/constraints/$peer.txt" >>"$logf" 2>&1; then
      STATUS[$peer]="FAILED (pip install, see $logf)"; continue
    fi
  fi
  if out=$("$venv/bin/python" -c "import ${IMPORTS[$peer]}" 2>&1); then
    STATUS[$peer]="ok"
    VERSION[$peer]=$("$venv/bin/python" -c "from importlib import metadata; print(metadata.version('$peer'))" 2>/dev/null)
  else
    STATUS[$peer]="FAILED (import: $(echo "$out" | tail -n 1))"
  fi
done

# ---- summary ---------------------------------------------------------------
echo
echo "== peer tools =="
unavailable=""
for peer in $PEERS; do
  if [ "${STATUS[$peer]:-}" = "ok" ]; then
    printf '  %-11s %-8s %s\n' "$peer" "${VERSION[$peer]}" "$VENVS/$peer/bin/python $HERE/adapter_$peer.py"
  else
    printf '  %-11s UNAVAILABLE: %s\n' "$peer" "${STATUS[$peer]:-not attempted}"
    unavailable="$unavailable $peer"
  fi
done
if command -v ffmpeg >/dev/null; then
  printf '  %-11s %s\n' "ffmpeg" "$(ffmpeg -version | head -n 1 | cut -d' ' -f3)"
fi
if [ -n "$unavailable" ]; then
  echo "UNAVAILABLE PEERS:$unavailable"
else
  echo "all peers available"
fi
exit 0
