#!/usr/bin/env bash
# Anomaly detector benchmark, one run: builds triage (release), runs
# `triage anomaly bench` on a NAB-layout directory and prints our three normalised NAB
# scores beside the published detectors' figures on the same split (DEV_SCOREBOARD.md of
# the directory, when present), as differences and ratios, plus the detector's throughput
# (target: at least 1,000,000 points/s per core).
#
# usage: bench/anomaly.sh NAB_DIR       (or env NAB_DIR): a NAB-layout directory (data/,
#        labels/combined_windows.json, config/profiles.json), e.g. a checkout of NAB
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/triage-target}"
nab="${1:-${NAB_DIR:-}}"
if [ -z "$nab" ]; then
    echo "usage: bench/anomaly.sh NAB_DIR (a NAB-layout directory: data/, labels/, config/)" >&2
    exit 2
fi

echo "== building triage (release)" >&2
cargo build --release -q -p triage
bin="$CARGO_TARGET_DIR/release/triage"

echo "== triage anomaly bench --nab $nab" >&2
out="$("$bin" anomaly bench --nab "$nab")"
echo "$out"

ours() { echo "$out" | awk -v p="$1" '$1 == p { print $NF }'; }
std="$(ours standard)"
lowfp="$(ours reward_low_FP_rate)"
lowfn="$(ours reward_low_FN_rate)"

board="$nab/DEV_SCOREBOARD.md"
if [[ ! -f "$board" ]]; then
    echo "(no $board: nothing to compare with)"
    exit 0
fi
echo
echo "== beside the published detectors ($board)"
printf '%-20s %9s %9s %9s | %9s %9s %9s | %7s\n' detector standard low_FP low_FN \
    "d_std" "d_lowFP" "d_lowFN" "ratio"
printf '%-20s %9.2f %9.2f %9.2f |\n' "triage (ours)" "$std" "$lowfp" "$lowfn"
# Table rows look like: | contextOSE | 76.98 | 72.96 | 80.13 |
grep -E '^\| [A-Za-z]' "$board" | grep -v '^| detector' | while IFS='|' read -r _ name s fp fn _; do
    name="$(echo "$name" | xargs)"
    awk -v n="$name" -v s="$s" -v fp="$fp" -v fn="$fn" -v os="$std" -v ofp="$lowfp" -v ofn="$lowfn" 'BEGIN {
        ratio = (s + 0 != 0) ? sprintf("%7.2f", os / s) : "      -";
        printf "%-20s %9.2f %9.2f %9.2f | %+9.2f %+9.2f %+9.2f | %s\n", n, s, fp, fn, os - s, ofp - fp, ofn - fn, ratio
    }'
done
echo "(d_* = ours minus theirs; ratio = our standard score / theirs)"
