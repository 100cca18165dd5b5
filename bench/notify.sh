#!/usr/bin/env bash
# Notification benchmark: triage against Prometheus Alertmanager 0.25, side by side, one run.
#
# Builds triage and loadgen in release and writes one config for both servers: every alert
# its own group (group_by ['...']), group_wait 0s, group_interval 1m, one webhook receiver
# pointing at a sink that loadgen serves on loopback, and a route for alerts labelled bg="1"
# to a receiver without integrations. For each server in turn (Alertmanager first) and each
# phase, the server is started fresh (new data dir), loadgen runs the phase, and the server
# is stopped, so that no phase inherits the groups and timers of the one before:
#
#   throughput  N distinct alerts POSTed in batches; time until all N notifications arrived
#   idle        probe alerts one at a time; POST -> notification latency
#   load        the same probes while ~30,000 background alerts/s are POSTed (no notifications)
#
# It prints a table, the ratios and the machine. Everything it starts is stopped on exit.
#
# usage: bench/notify.sh [loadgen notify options, e.g. --alerts 20000 --probes 200 --bg-rate 30000]
#        (see `loadgen notify --help`; every option goes to every phase)
# env:   TRIAGE_ARGS  extra arguments for `triage serve`
#        BENCH_ONLY   "alertmanager" or "triage" to run one side only
#        PHASES       phases to run (default "throughput idle load")
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/triage-target}"
READY_TIMEOUT=30
read -r -a phases <<<"${PHASES:-throughput idle load}"
loadavg_before="$(cut -d' ' -f1-3 /proc/loadavg)"
# Each notification may hold a connection of its own, in the server and in the sink.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

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
ALERTMANAGER="$(command -v prometheus-alertmanager || command -v alertmanager || true)"
if [ -z "$ALERTMANAGER" ] && [ "${BENCH_ONLY:-alertmanager}" = alertmanager ]; then
    echo "== neither prometheus-alertmanager nor alertmanager is on PATH; only triage will be measured" >&2
fi

work="$(mktemp -d -t triage-notify-XXXXXX)"
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

sink_port="$("$LOADGEN" free-port)"
sink="127.0.0.1:$sink_port"
cat >"$work/config.yml" <<YAML
route:
  receiver: sink
  group_by: ['...']
  group_wait: 0s
  group_interval: 1m
  repeat_interval: 4h
  routes:
    - matchers: ['bg="1"']
      receiver: "null"
      group_by: [alertname]
receivers:
  - name: sink
    webhook_configs:
      - url: http://$sink/hook
        send_resolved: false
  - name: "null"
YAML

# wait_ready NAME LOG PID URL: polls URL/-/ready; fails if the process dies or time runs out.
wait_ready() {
    local name="$1" log="$2" pid="$3" url="$4" deadline=$((SECONDS + READY_TIMEOUT))
    while ((SECONDS < deadline)); do
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "$name exited before it was ready; last log lines:" >&2
            tail -n 20 "$log" >&2 || true
            return 1
        fi
        if curl -fsS -o /dev/null --max-time 2 "$url/-/ready" 2>/dev/null; then
            return 0
        fi
        sleep 0.2
    done
    echo "$name not ready at $url within ${READY_TIMEOUT}s; last log lines:" >&2
    tail -n 20 "$log" >&2 || true
    return 1
}

# server_stats PID SIDE PHASE: a JSON line with the CPU seconds and peak RSS of the process.
server_stats() {
    local ticks cpu rss
    ticks="$(getconf CLK_TCK)"
    # Fields after the command name, which is in parentheses: utime and stime are 12 and 13.
    cpu="$(sed 's/^.*) //' "/proc/$1/stat" | awk -v t="$ticks" '{ printf "%.2f", ($12 + $13) / t }')"
    rss="$(awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status")"
    echo "{\"target\":\"$2\",\"phase\":\"server\",\"during\":\"$3\",\"cpu_s\":$cpu,\"rss_mib\":$rss}"
}

# start_SIDE DIR LOG: starts the server with a fresh data dir; sets server_pid and server_url.
start_alertmanager() {
    local port
    [ -n "$ALERTMANAGER" ] || return 1
    port="$("$LOADGEN" free-port)"
    "$ALERTMANAGER" --config.file="$work/config.yml" --storage.path="$1" \
        --web.listen-address="127.0.0.1:$port" --cluster.listen-address= >"$2" 2>&1 &
    server_pid=$!
    server_url="http://127.0.0.1:$port"
}
start_triage() {
    local port
    [ "$triage_built" = 1 ] || return 1
    port="$("$LOADGEN" free-port)"
    # shellcheck disable=SC2086 # TRIAGE_ARGS is a list of words
    "$TRIAGE" serve --config "$work/config.yml" --listen "127.0.0.1:$port" --data-dir "$1" \
        ${TRIAGE_ARGS:-} >"$2" 2>&1 &
    server_pid=$!
    server_url="http://127.0.0.1:$port"
}
stop_server() {
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
}

sides=(alertmanager triage)
[ -n "${BENCH_ONLY:-}" ] && sides=("$BENCH_ONLY")
status=0
for side in "${sides[@]}"; do
    : >"$work/$side.jsonl"
    for phase in "${phases[@]}"; do
        dir="$work/$side-$phase"
        log="$work/$side-$phase.log"
        mkdir -p "$dir"
        if ! "start_$side" "$dir" "$log" || ! wait_ready "$side" "$log" "$server_pid" "$server_url"; then
            echo "== $side could not be started; its column will be n/a" >&2
            [ -n "$server_pid" ] && stop_server
            status=1
            break
        fi
        echo "== $side $phase (pid $server_pid at $server_url, sink $sink)" >&2
        if ! "$LOADGEN" notify --phase "$phase" --url "$server_url" --target "$side" --sink "$sink" "$@" |
            tee -a "$work/$side.jsonl"; then
            echo "== $side $phase: loadgen reported failures (see lines above); last server log lines:" >&2
            tail -n 20 "$log" >&2 || true
            status=1
        fi
        if kill -0 "$server_pid" 2>/dev/null; then
            server_stats "$server_pid" "$side" "$phase" | tee -a "$work/$side.jsonl"
        else
            echo "== $side died during $phase; last log lines:" >&2
            tail -n 20 "$log" >&2 || true
            status=1
        fi
        stop_server
        rm -rf "$dir"
    done
done

echo
"$LOADGEN" notify-report --triage "$work/triage.jsonl" --alertmanager "$work/alertmanager.jsonl" \
    --loadavg-before "$loadavg_before"
exit "$status"
