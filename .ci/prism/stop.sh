#!/usr/bin/env bash
# Stops the Prism that start.sh started, by the process id it wrote. Usage: stop.sh [PIDFILE]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
pidfile="${1:-$here/prism.pid}"
[ -s "$pidfile" ] || exit 0
pid="$(cat "$pidfile")"
if kill "$pid" 2>/dev/null; then
  # Bounded wait for it to go, then insist.
  for _ in $(seq 1 20); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$pidfile"; exit 0; }
    sleep 0.25
  done
  kill -9 "$pid" 2>/dev/null || true
fi
rm -f "$pidfile"
