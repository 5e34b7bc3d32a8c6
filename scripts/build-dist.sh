#!/usr/bin/env bash
# Builds the release artifacts (wheel and sdist) into dist/ from the committed tree, the way a
# release would: a `git archive` of HEAD in a temporary directory, the production labextension
# and CLI built there (reusing this checkout's node_modules), then `python -m build`. The
# checkout's own jupyterlab_lws/labextension (a development build others may be testing) is not
# touched. Prints the wheel's path last.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
log() { printf '[build-dist %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() {
  log "FAILED: $*"
  exit 1
}

[ -d "$root/node_modules" ] || die "node_modules is missing: run scripts/setup.sh (npm ci) first"
python3 -c 'import build' 2>/dev/null || die "the 'build' package is missing: python3 -m pip install build"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git -C "$root" archive --format=tar HEAD | tar -x -C "$work"
ln -s "$root/node_modules" "$work/node_modules"
log "production labextension and CLI from $(git -C "$root" rev-parse --short HEAD)"
(cd "$work" && npm run build:prod --silent >/dev/null)
# The link must not end up in the sdist; the wheel is then built from the sdist, which carries
# the built labextension (an artifact), so that build needs no Node.
rm "$work/node_modules"
rm -rf "$root/dist"
log "python -m build (sdist, then the wheel from the sdist)"
python3 -m build --outdir "$root/dist" "$work" >"$work.build.log" 2>&1 \
  || {
    tail -40 "$work.build.log"
    die "python -m build"
  }
rm -f "$work.build.log"
wheel=$(ls "$root"/dist/jupyterlab_lws-*.whl)
sdist=$(ls "$root"/dist/jupyterlab_lws-*.tar.gz)
log "built $(basename "$sdist") and $(basename "$wheel")"
echo "$wheel"
