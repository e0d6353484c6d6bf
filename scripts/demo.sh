#!/usr/bin/env bash
# The README's first command (`npm install && npm run demo`): runs the main vodsr job for real on this machine.
# Installs the system tools it needs, builds the CLI, makes a short sample video (the use case's
# original_640x480_10s.mp4 shape: 640x480, 10 s, with audio), runs `vodsr run` on it (SR + HLS, local backend,
# open model since there are no Bluewhale filters here) and prints where the SR file and the HLS playlist are.
# Usage: bash scripts/demo.sh [video]   (default: a generated sample under vodsr-out/)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
readonly OUT_DIR="vodsr-out"
readonly SAMPLE="${OUT_DIR}/original_640x480_10s.mp4"
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false

tmp_files=()
cleanup() {
  local f
  for f in "${tmp_files[@]+"${tmp_files[@]}"}"; do
    rm -f -- "$f"
  done
}
trap cleanup EXIT
trap 'echo "demo: interrupted" >&2; exit 130' INT TERM

step() { printf '\n== %s\n' "$*" >&2; }

step "system tools (ffmpeg, ffprobe, jq, aws, shellcheck)"
bash scripts/ensure-deps.sh --no-browser

step "building the vodsr CLI (nx run cli:build)"
build_log="$(mktemp)"
tmp_files+=("$build_log")
if ! npx nx run cli:build --outputStyle=static >"$build_log" 2>&1; then
  cat "$build_log" >&2
  echo "demo: the build failed (log above)" >&2
  exit 1
fi
echo "built packages/cli/dist/bundle/vodsr.js" >&2

mkdir -p "$OUT_DIR"
input="${1:-}"
if [[ -z "$input" ]]; then
  input="$SAMPLE"
  if [[ ! -s "$input" ]]; then
    step "making a sample video: ${input} (640x480, 10 s, testsrc2 + 440 Hz tone)"
    partial="${OUT_DIR}/.sample.partial.mp4"
    tmp_files+=("$partial")
    ffmpeg -hide_banner -loglevel error -y \
      -f lavfi -i "testsrc2=s=640x480:r=30:d=10" \
      -f lavfi -i "sine=frequency=440:sample_rate=48000:d=10" \
      -c:v libx264 -preset veryfast -crf 18 -pix_fmt yuv420p \
      -c:a aac -b:a 128k -shortest "$partial"
    mv -- "$partial" "$input"
  fi
fi
if [[ ! -f "$input" ]]; then
  echo "demo: no such video: ${input}" >&2
  exit 2
fi

step "vodsr run ${input}"
run_out="$(mktemp)"
tmp_files+=("$run_out")
started="$(date +%s)"
node packages/cli/dist/bundle/vodsr.js run "$input" \
  --preset hls-single \
  --quality \
  --data-dir "${OUT_DIR}/.vodsr" \
  --output-dir "$OUT_DIR" >"$run_out"
elapsed="$(($(date +%s) - started))"

sr_file="$(sed -n 's/^SR file: *\(.*\) (.*$/\1/p' "$run_out")"
master="$(sed -n 's/^HLS master playlist: *//p' "$run_out")"
if [[ -z "$sr_file" || -z "$master" || ! -f "$sr_file" || ! -f "$master" ]]; then
  echo "demo: vodsr run did not report an SR file and a master playlist" >&2
  exit 1
fi

step "done in ${elapsed} s"
sr_size="$(ffprobe -v error -select_streams v:0 -show_entries stream=width,height -of csv=s=x:p=0 "$sr_file")"
echo "SR file:             ${sr_file} (${sr_size})"
echo "HLS master playlist: ${master}"
sed -n 's/^\(Quality\|Cost\): */\1: /p' "$run_out"
echo "HLS folder:          $(dirname "$master")"
echo "Play it:             ffplay '${master}'   (or any HLS player)"
