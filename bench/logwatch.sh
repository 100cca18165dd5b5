#!/usr/bin/env bash
# Node monitoring benchmark, one run:
#
#   lines   `loadgen lines`: agent-shaped JSON and key=value lines parsed, recorded into the
#           per-host series and evaluated by four rules, on one thread (lines/s per core);
#           target at least 500,000 JSON lines/s per core.
#   agent   `triage agent --interval 10s` (file output, one mount, two services) beside
#           Prometheus' node exporter scraped every 10 s on loopback, for the same time:
#           CPU seconds and peak RSS of each, and the ratios.
#
# usage: bench/logwatch.sh            (env AGENT_SECONDS, default 120; LINES, default 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/triage-target}"
AGENT_SECONDS="${AGENT_SECONDS:-120}"
LINES="${LINES:-1000000}"
work="$(mktemp -d)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

echo "== building loadgen and triage (release)" >&2
cargo build --release -q -p loadgen -p triage
bin="$CARGO_TARGET_DIR/release"

echo "== lines ($LINES per format, one thread)" >&2
"$bin/loadgen" lines --lines "$LINES" | tee "$work/lines.jsonl"

# CPU seconds (user + system) and peak RSS in KiB of a running process.
cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$1/stat"; }
peak_kib() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }

echo "== agent overhead ($AGENT_SECONDS s at a 10 s interval)" >&2
"$bin/triage" agent --interval 10s --output "$work/agent.jsonl" --mount / --process sshd --unit cron \
    2>"$work/agent.log" &
agent=$!
pids+=("$agent")
exporter_bin="$(command -v prometheus-node-exporter || command -v node_exporter || true)"
exporter=""
if [ -n "$exporter_bin" ]; then
    port="$("$bin/loadgen" free-port)"
    "$exporter_bin" --web.listen-address="127.0.0.1:$port" >"$work/exporter.log" 2>&1 &
    exporter=$!
    pids+=("$exporter")
    (
        while kill -0 "$exporter" 2>/dev/null; do
            curl -s -o /dev/null "http://127.0.0.1:$port/metrics" || true
            sleep 10
        done
    ) &
    pids+=("$!")
else
    echo "   (no node exporter installed: apt-get install prometheus-node-exporter for the comparison)" >&2
fi
sleep "$AGENT_SECONDS"
samples="$(wc -l <"$work/agent.jsonl")"
agent_cpu="$(cpu_seconds "$agent")"
agent_rss="$(peak_kib "$agent")"
printf '{"phase":"agent","seconds":%s,"samples":%s,"cpu_s":%s,"peak_rss_kib":%s}\n' \
    "$AGENT_SECONDS" "$samples" "$agent_cpu" "$agent_rss"
if [ -n "$exporter" ]; then
    exporter_cpu="$(cpu_seconds "$exporter")"
    exporter_rss="$(peak_kib "$exporter")"
    printf '{"phase":"node_exporter","seconds":%s,"cpu_s":%s,"peak_rss_kib":%s}\n' \
        "$AGENT_SECONDS" "$exporter_cpu" "$exporter_rss"
    awk -v a="$agent_cpu" -v e="$exporter_cpu" -v ar="$agent_rss" -v er="$exporter_rss" -v s="$AGENT_SECONDS" 'BEGIN {
        printf "agent: %.3f%% of a core, %.1f MiB peak; node exporter: %.3f%% of a core, %.1f MiB peak\n", 100*a/s, ar/1024, 100*e/s, er/1024
        if (a > 0) printf "CPU: agent uses %.2fx of the exporter\n", a/e
        printf "RSS: agent uses %.2fx of the exporter\n", ar/er
    }'
fi
echo "== machine: $(nproc) cores, load before/after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
