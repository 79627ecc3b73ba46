#!/usr/bin/env bash
# Refreshes requirements.lock from pyproject.toml, pinned with hashes: keeps today's pins and adds
# what pyproject.toml newly asks for; `bash .ci/lock.sh --upgrade` moves every pin to the newest
# version its range allows. After refreshing, run `bash .ci/test` (it reinstalls from the new
# lock) and the benchmarks whose figures README quotes, then commit the lock with what changed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
tools=$(mktemp -d)
trap 'rm -rf "$tools"' EXIT
python3 -m venv "$tools"
"$tools/bin/python" -m pip install -q pip-tools==7.6.2
CUSTOM_COMPILE_COMMAND="bash .ci/lock.sh" "$tools/bin/pip-compile" --quiet --generate-hashes \
  --allow-unsafe --strip-extras --extra test --all-build-deps --no-emit-find-links --no-emit-index-url \
  --output-file requirements.lock "$@" pyproject.toml
echo "requirements.lock refreshed; now run: bash .ci/test"
