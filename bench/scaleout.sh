#!/usr/bin/env bash
# Scale-out ingest benchmark, in one run, side by side:
#   sqlite      one `triage serve` on its embedded SQLite store (the single-node figure);
#   pg-js x1    one `triage serve --store postgres://... --ingest-nats nats://...`;
#   pg-js x2    two of them on the same PostgreSQL and JetStream (one runs the engine, the
#               other stands by, publishes what is posted to it and forwards the rest).
# PostgreSQL 15 and nats-server (JetStream) are started here on loopback, a fresh database
# and a fresh stream per configuration. loadgen posts N distinct alerts in batches over C
# connections, spread over the configuration's processes (phase `ingest`: accepted, i.e.
# durable in the store or in JetStream), waits until the engine lists every alert (phase
# `settle`: end to end), re-sends them all (phase `resend`) and reads them back. Prints a
# table and the ratios to the SQLite figure.
#
# usage: bench/scaleout.sh [loadgen run options, default --alerts 200000 --batch 500 --concurrency 4]
# env:   TRIAGE_BIN  a triage binary to measure instead of building this tree's
#        CONFIGS     the configurations to run, default "sqlite pg-js-x1 pg-js-x2"
# needs: postgresql (15), nats-server, run as root (PostgreSQL runs as the postgres user)
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/triage-target}"
PGBIN="${PGBIN:-/usr/lib/postgresql/15/bin}"
READY_TIMEOUT=60
args=("$@")
[ ${#args[@]} -eq 0 ] && args=(--alerts 200000 --batch 500 --concurrency 4)

for need in "$PGBIN/postgres" "$(command -v nats-server || true)"; do
    if [ -z "$need" ] || [ ! -x "$need" ]; then
        echo "missing PostgreSQL 15 ($PGBIN) or nats-server; apt-get install postgresql nats-server" >&2
        exit 2
    fi
done

echo "== building loadgen and triage (release)" >&2
if [ -n "${TRIAGE_BIN:-}" ]; then
    cargo build --release -q -p loadgen
    TRIAGE="$TRIAGE_BIN"
else
    cargo build --release -q -p loadgen -p triage
    TRIAGE="$CARGO_TARGET_DIR/release/triage"
fi
LOADGEN="$CARGO_TARGET_DIR/release/loadgen"

work="$(mktemp -d -t triage-scaleout-XXXXXX)"
chmod 755 "$work"
pids=()
stop_all() {
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    pids=()
}
cleanup() {
    stop_all
    [ -n "${pg_pid:-}" ] && kill "$pg_pid" 2>/dev/null && wait "$pg_pid" 2>/dev/null
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

as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }
mkdir -p "$work/pg"
chown postgres:postgres "$work/pg"
as_postgres "$PGBIN/initdb" -D "$work/pg" -U postgres --auth=trust -E UTF8 >"$work/initdb.log"
pg_port="$("$LOADGEN" free-port)"
as_postgres "$PGBIN/postgres" -D "$work/pg" -h 127.0.0.1 -p "$pg_port" -k "$work/pg" >"$work/pg.log" 2>&1 &
pg_pid=$!
for _ in $(seq 100); do
    "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$pg_port" && break
    sleep 0.2
done

# wait_url NAME PID URL PATTERN: polls URL until its body matches PATTERN.
wait_url() {
    local name="$1" pid="$2" url="$3" pattern="$4" deadline=$((SECONDS + READY_TIMEOUT))
    while ((SECONDS < deadline)); do
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "$name exited; last log lines:" >&2
            tail -n 20 "$work/$name.log" >&2 || true
            return 1
        fi
        if curl -fsS --max-time 2 "$url" 2>/dev/null | grep -q "$pattern"; then
            return 0
        fi
        sleep 0.2
    done
    echo "$name: $url never matched $pattern; last log lines:" >&2
    tail -n 20 "$work/$name.log" >&2 || true
    return 1
}

# start_triage NAME EXTRA-ARGS...: starts one server, prints its URL.
start_triage() {
    local name="$1" port
    shift
    port="$("$LOADGEN" free-port)"
    mkdir -p "$work/$name-data"
    "$TRIAGE" serve --config "$work/alertmanager.yml" --listen "127.0.0.1:$port" \
        --data-dir "$work/$name-data" "$@" >"$work/$name.log" 2>&1 &
    pids+=("$!")
    last_pid=$!
    last_url="http://127.0.0.1:$port"
}

declare -A urls
read -r -a configs <<<"${CONFIGS:-sqlite pg-js-x1 pg-js-x2}"
for config in "${configs[@]}"; do
    echo "== $config" >&2
    case "$config" in
    sqlite)
        start_triage sqlite
        wait_url sqlite "$last_pid" "$last_url/-/ready" "OK"
        urls[$config]="--url $last_url"
        ;;
    pg-js-*)
        n="${config##*-x}"
        db="bench_${n}"
        "$PGBIN/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres "$db"
        nats_port="$("$LOADGEN" free-port)"
        mkdir -p "$work/nats-$n"
        nats-server -js -a 127.0.0.1 -p "$nats_port" -sd "$work/nats-$n" >"$work/nats-$n.log" 2>&1 &
        pids+=("$!")
        sleep 0.5
        list=""
        for i in $(seq "$n"); do
            start_triage "$config-$i" --store "postgres://postgres@127.0.0.1:$pg_port/$db" \
                --ingest-nats "nats://127.0.0.1:$nats_port"
            if [ "$i" = 1 ]; then
                wait_url "$config-$i" "$last_pid" "$last_url/metrics" "triage_engine_leader 1"
            else
                wait_url "$config-$i" "$last_pid" "$last_url/-/ready" "OK"
            fi
            list="$list --url $last_url"
        done
        urls[$config]="$list"
        ;;
    esac
    # shellcheck disable=SC2086 # the URL list is a list of words
    "$LOADGEN" run ${urls[$config]} --target "$config" --settle "${args[@]}" | tee "$work/$config.jsonl"
    stop_all
done

echo
python3 - "$work" "${configs[@]}" <<'PY'
import json, sys
work, configs = sys.argv[1], sys.argv[2:]
rows = {}
for c in configs:
    lines = [json.loads(l) for l in open(f"{work}/{c}.jsonl") if l.strip()]
    rows[c] = {l["phase"]: l for l in lines}
def get(c, phase, key):
    v = rows[c].get(phase, {}).get(key)
    return v if isinstance(v, (int, float)) else None
metrics = [
    ("accepted alerts/s", "ingest", "alerts_per_s"),
    ("accept p50 ms", "ingest", "p50_ms"),
    ("accept p99 ms", "ingest", "p99_ms"),
    ("end-to-end alerts/s", "settle", "alerts_per_s"),
    ("resend alerts/s", "resend", "alerts_per_s"),
    ("resend p99 ms", "resend", "p99_ms"),
    ("GET all alerts s", "get", "duration_s"),
]
print(f"{'metric':<22}" + "".join(f"{c:>14}" for c in configs))
for label, phase, key in metrics:
    cells = "".join(f"{(get(c, phase, key) or float('nan')):>14.1f}" for c in configs)
    print(f"{label:<22}{cells}")
print()
base = configs[0]
for c in configs[1:]:
    for label, phase, key in [("accepted", "ingest", "alerts_per_s"), ("end-to-end", "settle", "alerts_per_s")]:
        a, b = get(c, phase, key), get(base, phase, key)
        if a and b:
            print(f"{c}/{base} {label} rate: {a / b:.2f}x")
a, b = get("pg-js-x2", "settle", "alerts_per_s"), get("pg-js-x1", "settle", "alerts_per_s")
if a and b:
    print(f"one -> two engine replicas, end-to-end rate: {a / b:.2f}x")
for c in configs:
    if rows[c].get("settle", {}).get("ok") is not True or rows[c].get("get", {}).get("ok") is not True:
        print(f"WARNING: {c} did not list every alert")
PY
exit 0
