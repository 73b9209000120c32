#!/usr/bin/env bash
# Starts Stoplight Prism (pinned in package.json) in mock mode on spec/openapi.yaml, on 127.0.0.1, in
# the background; waits until it accepts connections and writes its process id to a file.
# Usage: start.sh [PORT] [PIDFILE]   (defaults: $PRISM_PORT or 4010; .ci/prism/prism.pid)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
port="${1:-${PRISM_PORT:-4010}}"
pidfile="${2:-$here/prism.pid}"
log="${PRISM_LOG:-$here/prism.log}"

if [ ! -x "$here/node_modules/.bin/prism" ]; then
  (cd "$here" && npm ci --no-audit --no-fund)
fi
# Someone else on the port would answer in Prism's place and the tests would prove nothing.
if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
  echo "start.sh: 127.0.0.1:$port is already taken; set PRISM_PORT" >&2
  exit 1
fi

# The binary itself rather than `npx prism`: npx runs Prism as a grandchild, so the pid it leaves
# would not be Prism's and killing it would orphan the server. No --errors: with it Prism also
# validates its own mock responses, which for this recursive schema it generates invalid, and
# answers 500 to valid requests; invalid requests get 4xx and sl-violations without it.
"$here/node_modules/.bin/prism" mock "$repo/spec/openapi.yaml" -h 127.0.0.1 -p "$port" >"$log" 2>&1 &
pid=$!
echo "$pid" >"$pidfile"

# Bounded wait: 120 x 0.5 s.
for _ in $(seq 1 120); do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "start.sh: Prism exited before listening; its log:" >&2
    cat "$log" >&2
    exit 1
  fi
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "Prism (pid $pid) listening on http://127.0.0.1:$port"
    exit 0
  fi
  sleep 0.5
done
echo "start.sh: Prism did not listen within 60 s; stopping it. Its log:" >&2
cat "$log" >&2
kill "$pid" 2>/dev/null || true
exit 1
