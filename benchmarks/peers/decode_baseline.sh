#!/usr/bin/env bash
# Decode-limit baseline: wall seconds for ffmpeg to decode FILE to the null muxer.
#   bash decode_baseline.sh FILE [RUNS=3]
# Prints each run and the median for: default threading, -threads 1, -threads 0 (auto).
set -eu
F="$1"; N="${2:-3}"
command -v ffmpeg >/dev/null || { echo "ffmpeg not on PATH (apt-get install ffmpeg)"; exit 1; }
for mode in "default" "-threads 1" "-threads 0"; do
  opt=""; [ "$mode" != "default" ] && opt="$mode"
  ts=()
  for i in $(seq "$N"); do
    s=$(date +%s.%N); ffmpeg -nostdin -loglevel error $opt -i "$F" -f null -; e=$(date +%s.%N)
    ts+=("$(python3 -c "print(f'{$e-$s:.3f}')")")
  done
  med=$(printf '%s\n' "${ts[@]}" | sort -n | awk '{a[NR]=$1} END{print (NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2}')
  echo "ffmpeg $mode: runs ${ts[*]} s; median $med s"
done
