#!/usr/bin/env bash
# Cross-validation halves of a NAB-layout directory: the labelled data files, sorted by their
# path under data/, are dealt alternately into half A (1st, 3rd, ...) and half B (2nd, 4th,
# ...). Each half becomes a temporary NAB-layout directory of symlinks (labels and config are
# the full ones; windows of absent files are ignored) and `triage anomaly bench` scores it,
# optimising its own thresholds. Parameters were chosen on half A; half B is the held-out check.
#
# usage: bench/anomaly_split.sh NAB_DIR   (builds triage in release first)
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/triage-target}"
nab="${1:-${NAB_DIR:-}}"
if [ -z "$nab" ]; then
    echo "usage: bench/anomaly_split.sh NAB_DIR (a NAB-layout directory: data/, labels/, config/)" >&2
    exit 2
fi
nab="$(cd "$nab" && pwd)"

echo "== building triage (release)" >&2
cargo build --release -q -p triage
bin="$CARGO_TARGET_DIR/release/triage"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for half in A B; do
    mkdir -p "$tmp/$half/data"
    ln -s "$nab/labels" "$tmp/$half/labels"
    ln -s "$nab/config" "$tmp/$half/config"
done
i=0
while IFS= read -r rel; do
    half=A
    if (( i % 2 == 1 )); then half=B; fi
    mkdir -p "$tmp/$half/data/$(dirname "$rel")"
    ln -s "$nab/data/$rel" "$tmp/$half/data/$rel"
    i=$((i + 1))
done < <(cd "$nab/data" && find . -name '*.csv' | sed 's|^\./||' | LC_ALL=C sort)

for half in A B; do
    echo "== half $half"
    "$bin" anomaly bench --nab "$tmp/$half" 2>/dev/null
done
