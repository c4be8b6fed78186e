#!/usr/bin/env python3
"""Load test of megaport-webhook-receiver on loopback; stops by itself.

Sends --count deliveries (default 100,000) over --connections keep-alive connections from one
asyncio client: 85 % new valid deliveries, 10 % retries of ids already acknowledged (with a
fresh timestamp, as the provider retries) and 5 % invalid ones (malformed JSON, a bad id, a
stale timestamp, a wrong field type). The client knows which id it sent with which intent and
what came back. Checks:

- every new valid id answered 200 `processed`, every retry 200 `duplicate`, every invalid one
  400; no other status (no 409, no 5xx, no dropped connection);
- the events file holds every valid id exactly once and nothing else;
- memory is flat once the store is warm: the receiver's resident set (VmRSS in
  /proc/PID/status, sampled every 100 ms) grows by at most --flat-mb MiB (default 4) between
  the sample at --warm (default 40 %) of the requests and the end. 4 MiB over the last 60,000
  requests is under 70 bytes per request: a leak of one small allocation per request fails.

Prints the rate reached, latency percentiles and the RSS figures.
"""
import argparse, asyncio, json, os, random, shutil, sys, threading, time, uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from harness import Receiver  # noqa: E402

BODY = ('{"type":"security.login.failed","schema_version":"1","timestamp":"2026-01-15T10:30:00Z",'
        '"company_uid":"8a3c2f1e-5b6d-4e7f-9a0b-1c2d3e4f5a6b","data":{"person_uid":'
        '"34ee661a-18f0-4c30-8a73-e2d7e0ab641d","email":"user@example.com","attempts":%d,'
        '"account_locked":true}}')
INVALID_BODIES = [
    BODY.replace('"attempts":%d', '"attempts":"%d"'),   # a number sent as a string
    BODY[:-3] % 1,                                      # cut short
    BODY.replace('"data":', '"data":[1,,2],"x":') ,     # malformed JSON where nobody reads
]


def request_bytes(delivery_id, stamp, body, content_type=b"application/json"):
    return (b"POST /webhooks/megaport HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: " +
            content_type + b"\r\nwebhook-id: " + delivery_id.encode() + b"\r\nwebhook-timestamp: " +
            str(stamp).encode() + b"\r\nContent-Length: " + str(len(body)).encode() +
            b"\r\n\r\n" + body)


class Plan:
    """Hands out what to send next: new, retry (of an id already acknowledged) or invalid."""

    def __init__(self, count, rng):
        self.rng = rng
        self.left = count
        self.acknowledged = []  # ids answered processed, for retries
        self.valid = set()
        self.invalid = set()
        self.sent = {"new": 0, "retry": 0, "invalid": 0}

    def next(self):
        if self.left == 0:
            return None
        self.left -= 1
        roll = self.rng.random()
        now = int(time.time())
        if roll < 0.10 and self.acknowledged:
            delivery_id = self.rng.choice(self.acknowledged)
            self.sent["retry"] += 1
            return "retry", delivery_id, request_bytes(delivery_id, now, (BODY % 5).encode())
        if roll < 0.15:
            self.sent["invalid"] += 1
            delivery_id = str(uuid.uuid4())
            self.invalid.add(delivery_id)
            kind = self.rng.randrange(5)
            if kind == 0:
                return "invalid", delivery_id, request_bytes(delivery_id, now - 3600,
                                                             (BODY % 5).encode())
            if kind == 1:
                return "invalid", delivery_id, request_bytes(delivery_id[:-1] + "x", now,
                                                             (BODY % 5).encode())
            body = self.rng.choice(INVALID_BODIES)
            return "invalid", delivery_id, request_bytes(
                delivery_id, now, (body % 5 if "%d" in body else body).encode())
        self.sent["new"] += 1
        delivery_id = str(uuid.uuid4())
        self.valid.add(delivery_id)
        return "new", delivery_id, request_bytes(delivery_id, now,
                                                 (BODY % self.rng.randrange(1, 100)).encode())


async def worker(port, plan, results, latencies, problems):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while True:
            item = plan.next()
            if item is None:
                return
            intent, delivery_id, raw = item
            started = time.perf_counter()
            writer.write(raw)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            data = await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            outcome = json.loads(data).get("outcome")
            results.append((intent, delivery_id, status, outcome))
            if intent == "new" and status == 200 and outcome == "processed":
                plan.acknowledged.append(delivery_id)
    except (asyncio.IncompleteReadError, ConnectionError) as e:
        problems.append("connection lost: %r" % e)
    finally:
        writer.close()


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--receiver", required=True)
    ap.add_argument("--count", type=int, default=100000)
    ap.add_argument("--connections", type=int, default=48)
    ap.add_argument("--warm", type=float, default=0.4)
    ap.add_argument("--flat-mb", type=float, default=4.0)
    ap.add_argument("--seed", type=int, default=8)
    args = ap.parse_args()

    rx = Receiver(args.receiver)  # --dedupe memory --events-out FILE
    pid = rx.proc.pid
    plan = Plan(args.count, random.Random(args.seed))
    results, latencies, problems = [], [], []
    samples = []  # (requests answered so far, RSS KiB)
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            samples.append((len(results), rss_kib(pid)))
            stop.wait(0.1)

    sampler = threading.Thread(target=sample)
    rss_start = rss_kib(pid)
    sampler.start()

    async def run():
        await asyncio.gather(*(worker(rx.port, plan, results, latencies, problems)
                               for _ in range(args.connections)))

    started = time.perf_counter()
    asyncio.run(run())
    elapsed = time.perf_counter() - started
    stop.set()
    sampler.join()
    samples.append((len(results), rss_kib(pid)))

    alive = rx.proc.poll() is None
    code = rx.stop()
    failures = list(problems)
    if not alive or code != 0:
        failures.append("receiver alive=%s, exit %s on SIGTERM" % (alive, code))

    wanted = {"new": (200, "processed"), "retry": (200, "duplicate"), "invalid": (400, "rejected")}
    wrong = {}
    for intent, delivery_id, status, outcome in results:
        if (status, outcome) != wanted[intent]:
            key = "%s -> %s %s" % (intent, status, outcome)
            wrong[key] = wrong.get(key, 0) + 1
    for key, n in sorted(wrong.items()):
        failures.append("%d answers %s" % (n, key))
    if len(results) != args.count:
        failures.append("%d answers for %d requests" % (len(results), args.count))

    seen = {}
    with open(rx.events, encoding="utf-8") as f:
        for line in f:
            i = json.loads(line)["webhook_id"]
            seen[i] = seen.get(i, 0) + 1
    twice = sum(1 for n in seen.values() if n > 1)
    missing = len(plan.valid - set(seen))
    stray = len(set(seen) - plan.valid)
    if twice or missing or stray:
        failures.append("events file: %d ids twice, %d valid ids missing, %d ids not sent as "
                        "valid" % (twice, missing, stray))

    warm_at = int(args.count * args.warm)
    warm = [kib for n, kib in samples if n >= warm_at]
    rss_warm = warm[0] if warm else samples[-1][1]
    rss_peak = max(kib for _, kib in samples)
    rss_end = samples[-1][1]
    growth_mib = (max(warm or [rss_end]) - rss_warm) / 1024
    if growth_mib > args.flat_mb:
        failures.append("RSS grew %.1f MiB after the warm-up (limit %.1f MiB)" %
                        (growth_mib, args.flat_mb))

    latencies.sort()
    pct = lambda p: latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1000
    print("load: %d requests (%d new, %d retries, %d invalid) over %d connections in %.1f s: "
          "%.0f requests/s; latency p50 %.2f ms, p99 %.2f ms, max %.1f ms" % (
              len(results), plan.sent["new"], plan.sent["retry"], plan.sent["invalid"],
              args.connections, elapsed, len(results) / elapsed, pct(0.5), pct(0.99),
              latencies[-1] * 1000 if latencies else 0))
    print("load: events file %d lines, %d distinct ids; RSS start %.1f MiB, at %d %% %.1f MiB, "
          "peak %.1f MiB, end %.1f MiB: growth after warm-up %.2f MiB (limit %.1f), %d samples" % (
              sum(seen.values()), len(seen), rss_start / 1024, args.warm * 100, rss_warm / 1024,
              rss_peak / 1024, rss_end / 1024, growth_mib, args.flat_mb, len(samples)))
    for f in failures:
        print("FAIL " + f)
    print("%d failed" % len(failures))
    if not failures:
        shutil.rmtree(rx.dir, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
