#!/usr/bin/env bash
# Makes sure the system tools vodsr's tests and local runs need are present.
# Installs missing ones with apt-get when run as root on Debian/Ubuntu; otherwise prints the exact command and fails.
# Usage: scripts/ensure-deps.sh [--no-browser]   (chromium is needed only by the viewer's browser test)
set -euo pipefail

# command -> Debian package
declare -A PKG=(
  [ffmpeg]=ffmpeg
  [ffprobe]=ffmpeg
  [jq]=jq
  [aws]=awscli
  [shellcheck]=shellcheck
  [flock]=util-linux
)
if [[ "${1:-}" != "--no-browser" ]]; then
  PKG[chromium]=chromium
fi

# The tests pin the AWS CLI v2 of Debian's awscli package (/usr/bin/aws): a pip-installed v1 first on PATH parses
# dash-leading option values differently.
have() {
  if [[ "$1" == aws && -x /usr/bin/apt-get ]]; then
    [[ -x /usr/bin/aws ]]
  else
    command -v "$1" >/dev/null 2>&1
  fi
}

missing_pkgs=()
missing_cmds=()
for cmd in "${!PKG[@]}"; do
  if ! have "$cmd"; then
    missing_cmds+=("$cmd")
    pkg="${PKG[$cmd]}"
    if [[ ! " ${missing_pkgs[*]-} " == *" $pkg "* ]]; then
      missing_pkgs+=("$pkg")
    fi
  fi
done

if [[ ${#missing_pkgs[@]} -eq 0 ]]; then
  exit 0
fi

echo "vodsr: missing system tools: ${missing_cmds[*]} (Debian packages: ${missing_pkgs[*]})" >&2
# VODSR_NO_INSTALL=1: only report (also what happens without root or apt-get).
if [[ "${VODSR_NO_INSTALL:-0}" != 1 && "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
  echo "vodsr: installing with apt-get ..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing_pkgs[@]}" >/dev/null
  echo "vodsr: installed ${missing_pkgs[*]}" >&2
else
  echo "vodsr: install them first, e.g.: sudo apt-get install -y ${missing_pkgs[*]}" >&2
  exit 1
fi
