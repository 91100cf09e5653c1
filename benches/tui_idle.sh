#!/usr/bin/env bash
# The TUI idle for 10 s: CPU share of one core and resident size. Rerun: benches/tui_idle.sh
# Runs the default lesson (which starts a lab redis-server) in a detached tmux at 120x40.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v tmux >/dev/null || { echo "tui_idle.sh: tmux is required" >&2; exit 2; }
cargo build --release --quiet
BIN="$PWD/target/release/tlsviz"
SOCK="tlsviz-bench-$$"
IDLE="${IDLE:-10}"
cleanup() { tmux -L "$SOCK" kill-server 2>/dev/null || true; }
trap cleanup EXIT

tmux -L "$SOCK" new-session -d -x 120 -y 40 "$BIN --server redis"
pid="$(tmux -L "$SOCK" display -p '#{pane_pid}')"
for _ in $(seq 1 300); do
  tmux -L "$SOCK" capture-pane -p | grep -q "Connection State" && break
  sleep 0.02
done
sleep 1   # let start-up settle before measuring

ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
hz="$(getconf CLK_TCK)"
before="$(ticks)"
sleep "$IDLE"
after="$(ticks)"
rss="$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")"
cpu="$(awk -v a="$before" -v b="$after" -v hz="$hz" -v t="$IDLE" 'BEGIN { printf "%.2f", (b - a) / hz / t * 100 }')"
echo "TUI idle ${IDLE} s: ${cpu} % of one core (${before}→${after} ticks at ${hz} Hz), resident ${rss} KiB"

# And after a full handshake (space ×9), idle again.
for _ in $(seq 1 9); do tmux -L "$SOCK" send-keys " "; sleep 0.1; done
sleep 1
before="$(ticks)"; sleep "$IDLE"; after="$(ticks)"
rss="$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")"
cpu="$(awk -v a="$before" -v b="$after" -v hz="$hz" -v t="$IDLE" 'BEGIN { printf "%.2f", (b - a) / hz / t * 100 }')"
echo "TUI idle ${IDLE} s after the handshake: ${cpu} % of one core, resident ${rss} KiB"
tmux -L "$SOCK" send-keys q
