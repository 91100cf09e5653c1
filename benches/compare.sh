#!/usr/bin/env bash
# Process-to-process figures, rerun with: benches/compare.sh
#   1. redis-cli --tls … PING against tlsviz connect --json PING, with the second opinion (which
#      runs that same redis-cli beside tlsviz's own handshake: target ≤ 1.25× redis-cli) and with
#      --no-cross-check (target ≤ 0.7×), TLS 1.3 with a client certificate, same lab server.
#      The three run in ROUNDS rounds of RUNS/ROUNDS runs each (hyperfine -N), so that a load
#      change on a shared machine hits all three alike; the ratios are of the medians over
#      every run (jq).
#   2. tlsviz check --all (every shipped scenario); SKIP_CHECK=1 leaves it out
# Needs hyperfine, jq and redis-server/redis-cli (Debian: apt install hyperfine jq redis-server).
# RUNS sets the measured runs per command (default 300), ROUNDS the rounds (default 6).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${RUNS:-300}"
ROUNDS="${ROUNDS:-6}"
for tool in hyperfine jq redis-cli; do
  command -v "$tool" >/dev/null || { echo "compare.sh: $tool is required" >&2; exit 2; }
done

cargo build --release --quiet
BIN="$PWD/target/release/tlsviz"

out="$(mktemp)"
json="$(mktemp -d)"
"$BIN" lab --server redis >"$out" 2>/dev/null &
lab_pid=$!
cleanup() {
  kill -TERM "$lab_pid" 2>/dev/null || true
  wait "$lab_pid" 2>/dev/null || true
  rm -rf "$out" "$json"
}
trap cleanup EXIT
for _ in $(seq 1 500); do grep -q "Ctrl-C stops" "$out" && break; sleep 0.01; done
port="$(sed -n 's/.* on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$out" | head -1)"
dir="$(sed -n 's/^folder (removed on exit): //p' "$out")"
tls=(--tls --cacert "$dir/ca.crt" --cert "$dir/client.crt" --key "$dir/client.key" -h 127.0.0.1 -p "$port")

echo "== one connection, process to process (server: $(head -1 "$out"))"
echo "   $ROUNDS rounds of $((RUNS / ROUNDS)) runs per command; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq 1 "$ROUNDS"); do
  hyperfine -N --warmup 10 --runs "$((RUNS / ROUNDS))" --export-json "$json/$round.json" \
    -n "redis-cli --tls PING" "redis-cli ${tls[*]} PING" \
    -n "tlsviz connect --json PING" "$BIN connect --json ${tls[*]} PING" \
    -n "tlsviz connect --json --no-cross-check PING" \
    "$BIN connect --json --no-cross-check ${tls[*]} PING" >/dev/null 2>&1
done
# Every run of every round, per command: median, mean, min (ms), and the median's ratio to
# redis-cli's.
jq -rs '
  def ms: . * 10000 | round / 10 | tostring | if test("\\.") then . else . + ".0" end;
  [.[].results[]] | group_by(.command) | map({
    name: .[0].command, times: ([.[].times[]] | sort),
    user: ([.[].user] | add / length), system: ([.[].system] | add / length)
  }) | map(. + {median: .times[(.times | length) / 2 | floor], mean: (.times | add / length),
               min: .times[0], runs: (.times | length)})
  | (map(select(.name == "redis-cli --tls PING"))[0].median) as $base
  | sort_by(.median) | .[]
  | "\(.name | . + " " * (44 - length)) median \(.median | ms) ms  mean \(.mean | ms) ms"
    + "  min \(.min | ms) ms  user+sys \(.user + .system | ms) ms  runs \(.runs)"
    + "  ratio(median) \(.median / $base * 100 | round / 100)×"
' "$json"/*.json
echo "   load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

if [ "${SKIP_CHECK:-0}" != 1 ]; then
  echo "== tlsviz check --all"
  hyperfine --warmup 1 --runs 10 -n "tlsviz check --all" "$BIN check --all"
fi
