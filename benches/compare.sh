#!/usr/bin/env bash
# Process-to-process figures, rerun with: benches/compare.sh
#   1. tlsviz connect --json vs redis-cli --tls … PING (TLS 1.3, mutual TLS) on the same lab server
#   2. tlsviz check --all (every shipped scenario)
# Needs hyperfine and redis-server/redis-cli (Debian: apt install hyperfine redis-server).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${RUNS:-300}"
command -v hyperfine >/dev/null || { echo "compare.sh: hyperfine is required" >&2; exit 2; }
command -v redis-cli >/dev/null || { echo "compare.sh: redis-cli is required" >&2; exit 2; }

cargo build --release --quiet
BIN="$PWD/target/release/tlsviz"

out="$(mktemp)"
"$BIN" lab --server redis >"$out" 2>/dev/null &
lab_pid=$!
cleanup() { kill -TERM "$lab_pid" 2>/dev/null || true; wait "$lab_pid" 2>/dev/null || true; rm -f "$out"; }
trap cleanup EXIT
for _ in $(seq 1 500); do grep -q "Ctrl-C stops" "$out" && break; sleep 0.01; done
port="$(sed -n 's/.* on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$out" | head -1)"
dir="$(sed -n 's/^folder (removed on exit): //p' "$out")"
tls=(--tls --cacert "$dir/ca.crt" --cert "$dir/client.crt" --key "$dir/client.key" -h 127.0.0.1 -p "$port")

echo "== one connection, process to process (server: $(head -1 "$out"))"
hyperfine -N --warmup 20 --runs "$RUNS" \
  -n "redis-cli --tls PING" "redis-cli ${tls[*]} PING" \
  -n "tlsviz connect --json PING" "$BIN connect --json ${tls[*]} PING"

echo "== tlsviz check --all"
hyperfine --warmup 1 --runs 10 -n "tlsviz check --all" "$BIN check --all"
