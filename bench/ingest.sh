#!/usr/bin/env bash
# Ingest benchmark: triage against Prometheus Alertmanager 0.25, side by side, one run.
#
# Builds triage and loadgen in release, starts triage (durable store in a fresh data dir)
# and Alertmanager on loopback with the same minimal config, runs the same loadgen against
# each in turn (N distinct alerts with 8 labels, POSTed in batches over C connections, then
# re-sent, then read back with one GET), reads each server's peak RSS (VmHWM), and prints a
# table and the ratios. Everything it starts is stopped on exit.
#
# usage: bench/ingest.sh [loadgen run options, e.g. --alerts 20000 --batch 500 --concurrency 4]
# env:   TRIAGE_ARGS  extra arguments for `triage serve`
#        BENCH_ONLY   "alertmanager" or "triage" to run one side only
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/triage-target}"
READY_TIMEOUT=30

echo "== building loadgen and triage (release)" >&2
cargo build --release -q -p loadgen
triage_built=1
if [ "${BENCH_ONLY:-triage}" != triage ]; then
    triage_built=0
elif ! cargo build --release -q -p triage; then
    echo "== triage did not build; only Alertmanager will be measured" >&2
    triage_built=0
fi
TRIAGE="$CARGO_TARGET_DIR/release/triage"
LOADGEN="$CARGO_TARGET_DIR/release/loadgen"

work="$(mktemp -d -t triage-bench-XXXXXX)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cat >"$work/alertmanager.yml" <<'YAML'
route:
  receiver: "null"
  group_by: [alertname]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
receivers:
  - name: "null"
YAML

# wait_ready NAME PID URL: polls URL/-/ready; fails if the process dies or time runs out.
wait_ready() {
    local name="$1" pid="$2" url="$3" deadline=$((SECONDS + READY_TIMEOUT))
    while ((SECONDS < deadline)); do
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "$name exited before it was ready; last log lines:" >&2
            tail -n 20 "$work/$name.log" >&2 || true
            return 1
        fi
        if curl -fsS -o /dev/null --max-time 2 "$url/-/ready" 2>/dev/null; then
            return 0
        fi
        sleep 0.2
    done
    echo "$name not ready at $url within ${READY_TIMEOUT}s; last log lines:" >&2
    tail -n 20 "$work/$name.log" >&2 || true
    return 1
}

# peak_rss_mib PID: VmHWM of the process, in MiB.
peak_rss_mib() {
    awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"
}

declare -A url pid
start_alertmanager() {
    local port
    port="$("$LOADGEN" free-port)"
    mkdir -p "$work/am-data"
    prometheus-alertmanager --config.file="$work/alertmanager.yml" \
        --storage.path="$work/am-data" --web.listen-address="127.0.0.1:$port" \
        --cluster.listen-address= >"$work/alertmanager.log" 2>&1 &
    pid[alertmanager]=$!
    pids+=("$!")
    url[alertmanager]="http://127.0.0.1:$port"
    wait_ready alertmanager "${pid[alertmanager]}" "${url[alertmanager]}"
}
start_triage() {
    local port
    [ "$triage_built" = 1 ] || return 1
    port="$("$LOADGEN" free-port)"
    mkdir -p "$work/triage-data"
    # shellcheck disable=SC2086 # TRIAGE_ARGS is a list of words
    "$TRIAGE" serve --config "$work/alertmanager.yml" --listen "127.0.0.1:$port" \
        --data-dir "$work/triage-data" ${TRIAGE_ARGS:-} >"$work/triage.log" 2>&1 &
    pid[triage]=$!
    pids+=("$!")
    url[triage]="http://127.0.0.1:$port"
    wait_ready triage "${pid[triage]}" "${url[triage]}"
}

sides=(alertmanager triage)
[ -n "${BENCH_ONLY:-}" ] && sides=("$BENCH_ONLY")
started=()
status=0
for side in "${sides[@]}"; do
    : >"$work/$side.jsonl"
    if "start_$side"; then
        started+=("$side")
        echo "== $side ready at ${url[$side]} (pid ${pid[$side]})" >&2
    else
        echo "== $side: could not be started; its column will be n/a" >&2
        status=1
    fi
done

for side in "${started[@]}"; do
    echo "== loading $side" >&2
    if ! "$LOADGEN" run --url "${url[$side]}" --target "$side" "$@" | tee -a "$work/$side.jsonl"; then
        echo "== $side: loadgen reported failures (see lines above and $side's log)" >&2
        tail -n 20 "$work/$side.log" >&2 || true
        status=1
    fi
    if kill -0 "${pid[$side]}" 2>/dev/null; then
        echo "{\"target\":\"$side\",\"phase\":\"rss\",\"mib\":$(peak_rss_mib "${pid[$side]}")}" |
            tee -a "$work/$side.jsonl"
    else
        echo "== $side died during the run" >&2
        status=1
    fi
done

echo
"$LOADGEN" report --triage "$work/triage.jsonl" --alertmanager "$work/alertmanager.jsonl"
exit "$status"
