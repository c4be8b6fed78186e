#!/usr/bin/env bash
# Starts or stops the redis-server the Redis store tests share, on a free loopback port.
#   redis-fixture.sh start|stop DIR REDIS_SERVER REDIS_CLI
# start writes DIR/redis.port and DIR/redis.pid; stop kills exactly that pid.
set -euo pipefail
action=$1 dir=$2 server=$3 cli=$4

if [ "$action" = stop ]; then
  [ -f "$dir/redis.pid" ] || exit 0
  pid=$(cat "$dir/redis.pid")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  rm -f "$dir/redis.pid" "$dir/redis.port"
  exit 0
fi

mkdir -p "$dir"
free_port='import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
port=$(python3 -c "$free_port")

# Its output goes to a file, so that CTest does not wait for the server to close our pipes.
"$server" --bind 127.0.0.1 --port "$port" --save '' --appendonly no --daemonize no \
  --dir "$dir" </dev/null >"$dir/redis.log" 2>&1 &
pid=$!
echo "$pid" >"$dir/redis.pid"

for _ in $(seq 100); do
  if [ "$("$cli" -h 127.0.0.1 -p "$port" ping 2>/dev/null)" = PONG ]; then
    echo "$port" >"$dir/redis.port"
    echo "redis-server pid $pid on 127.0.0.1:$port"
    exit 0
  fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done

echo "redis-server did not answer; its log:" >&2
cat "$dir/redis.log" >&2
kill "$pid" 2>/dev/null || true
rm -f "$dir/redis.pid"
exit 1
