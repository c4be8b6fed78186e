#!/usr/bin/env bash
# The demo: installs what is missing, builds the two programs, starts the receiver on a free
# loopback port, sends it the provider's three sample events, a retry, a stale delivery, a
# malformed one and an unknown type, then shows the receiver's log and the events it wrote
# (personal fields redacted) and stops the receiver.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cmake --preset dev >/dev/null
cmake --build --preset dev -j "$(nproc 2>/dev/null || echo 2)" \
  --target megaport-webhook-receiver megaport-webhook-send >/dev/null

work=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
url="http://127.0.0.1:$port/webhooks/megaport"

build/bin/megaport-webhook-receiver --listen "127.0.0.1:$port" \
  --dedupe "${DEMO_DEDUPE:-sqlite:$work/dedupe.db}" --events-out "$work/events.jsonl" \
  2>"$work/receiver.log" &
receiver=$!
trap 'kill "$receiver" 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done

send() {
  echo "\$ megaport-webhook-send URL $*"
  build/bin/megaport-webhook-send "$url" --schedule none "$@" || true
  echo
}

retry_id=$(python3 -c 'import uuid; print(uuid.uuid4())')
send --event login_failure --id "$retry_id"
send --event user_registration
send --event password_reset_request
send --event login_failure --id "$retry_id"
send --event login_failure --timestamp "$(( $(date +%s) - 3600 ))"
printf '{"type":"security.login.failed","data":{' >"$work/malformed.json"
send --body "$work/malformed.json"
send --event unknown

kill -TERM "$receiver"
wait "$receiver" || true
trap - EXIT

echo "== receiver log (stderr)"
cat "$work/receiver.log"
echo
echo "== events written (--events-out), personal fields redacted"
python3 - "$work/events.jsonl" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    event = json.loads(line)
    for key in ("email", "first_name", "last_name"):
        if key in event.get("data", {}):
            event["data"][key] = "<redacted>"
    print(json.dumps(event))
PY
