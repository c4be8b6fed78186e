#!/usr/bin/env python3
"""End-to-end tests of the receiver on its persistent and shared dedupe stores: SQLite across
restarts, processes and a crash inside a handler; Redis across two replicas and an outage."""
import argparse, concurrent.futures, os, shutil, signal, socket, stat, subprocess, sys
import tempfile, threading, time, uuid

from harness import Receiver, check, finish, free_port, headers_for, login_body


def post(rx, delivery_id):
    try:
        status, _, data = rx.send(headers=headers_for(delivery_id), body=login_body())
        return status
    except OSError:
        return None


def sqlite_restart(binary):
    db = os.path.join(tempfile.mkdtemp(), "dedupe.db")
    the_id = str(uuid.uuid4())
    rx = Receiver(binary, dedupe="sqlite:" + db)
    check("sqlite: first delivery processed", post(rx, the_id) == 200)
    rx.stop()
    rx = Receiver(binary, dedupe="sqlite:" + db, events=rx.events)
    status, _, data = rx.send(headers=headers_for(the_id), body=login_body())
    check("sqlite: the id survives a restart", status == 200 and b"duplicate" in data, repr(data))
    rx.stop()
    written = [e for e in rx.read_events() if e["webhook_id"] == the_id]
    check("sqlite: processed once across the restart", len(written) == 1, repr(written))


def sqlite_two_processes(binary):
    db = os.path.join(tempfile.mkdtemp(), "dedupe.db")
    a = Receiver(binary, dedupe="sqlite:" + db)
    b = Receiver(binary, dedupe="sqlite:" + db)
    ids = [str(uuid.uuid4()) for _ in range(150)]
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        pairs = [(pool.submit(post, a, i), pool.submit(post, b, i)) for i in ids]
        answers = [(x.result(), y.result()) for x, y in pairs]
    a.stop()
    b.stop()
    events = a.read_events() + b.read_events()
    counts = {}
    for e in events:
        counts[e["webhook_id"]] = counts.get(e["webhook_id"], 0) + 1
    check("sqlite: every shared delivery processed exactly once",
          all(counts.get(i) == 1 for i in ids), "%d ids, %d events" % (len(ids), len(events)))
    check("sqlite: each pair of answers has one 200 and a 200 or 409",
          all(sorted(p)[0] == 200 and sorted(p)[1] in (200, 409) for p in answers),
          repr([p for p in answers if 200 not in p][:5]))


def sqlite_crash_in_handler(binary):
    """A receiver killed with SIGKILL inside a handler leaves a lease; it expires, and the
    sender's retry is processed. The handler is held inside its write to the events file,
    a FIFO whose buffer the test has filled."""
    work = tempfile.mkdtemp()
    db = os.path.join(work, "dedupe.db")
    fifo = os.path.join(work, "events.fifo")
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    filler = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
    try:
        while True:
            os.write(filler, b"x" * 4096)
    except BlockingIOError:
        pass
    rx = Receiver(binary, "--lease", "2", dedupe="sqlite:" + db, events=fifo)
    the_id = str(uuid.uuid4())
    result = {}
    sender = threading.Thread(target=lambda: result.setdefault("status", post(rx, the_id)))
    sender.start()
    time.sleep(0.5)
    rx.proc.send_signal(signal.SIGKILL)
    rx.proc.wait(timeout=10)
    sender.join(timeout=10)
    os.close(filler)
    os.close(reader)
    check("crash: the killed delivery was never acknowledged", result.get("status") != 200,
          repr(result))

    rx = Receiver(binary, "--lease", "2", dedupe="sqlite:" + db)
    check("crash: its lease is still held right after", post(rx, the_id) == 409)
    time.sleep(2.5)
    check("crash: after the lease, the retry is processed", post(rx, the_id) == 200)
    rx.stop()
    check("crash: processed once", len(rx.read_events()) == 1, repr(rx.read_events()))


class Redis:
    def __init__(self, port=None):
        self.port = port or free_port()
        self.dir = tempfile.mkdtemp()
        self.start()

    def start(self):
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", self.dir],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)

    def url(self):
        return "redis://127.0.0.1:%d/0" % self.port


def redis_replicas(binary):
    redis = Redis()
    try:
        a = Receiver(binary, dedupe=redis.url())
        b = Receiver(binary, dedupe=redis.url())
        ids = [str(uuid.uuid4()) for _ in range(200)]
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            both = [(pool.submit(post, a, i), pool.submit(post, b, i)) for i in ids]
            answers = [(x.result(), y.result()) for x, y in both]
        a.stop()
        b.stop()
        counts = {}
        for e in a.read_events() + b.read_events():
            counts[e["webhook_id"]] = counts.get(e["webhook_id"], 0) + 1
        check("redis: two replicas process each shared delivery exactly once",
              all(counts.get(i) == 1 for i in ids), "%d of %d right" % (
                  sum(1 for i in ids if counts.get(i) == 1), len(ids)))
        check("redis: each pair of answers has one 200", all(200 in pair for pair in answers),
              repr([p for p in answers if 200 not in p][:5]))
    finally:
        redis.stop()


def redis_outage(binary):
    redis = Redis()
    rx = Receiver(binary, dedupe=redis.url())
    try:
        check("redis: processing before the outage", post(rx, str(uuid.uuid4())) == 200)
        redis.stop()
        down = [(i, post(rx, i)) for i in [str(uuid.uuid4()) for _ in range(20)]]
        check("redis: every answer during the outage is 503",
              all(s == 503 for _, s in down), repr([s for _, s in down]))
        redis.start()
        time.sleep(0.2)
        again = [post(rx, i) for i, _ in down]
        check("redis: after it is back, the retries are processed without a restart",
              all(s == 200 for s in again), repr(again))
    finally:
        rx.stop()
        redis.stop()
    processed = [e["webhook_id"] for e in rx.read_events()]
    check("redis: nothing processed twice", len(processed) == len(set(processed)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--receiver", required=True)
    ap.add_argument("--only", choices=["sqlite", "redis"])
    a = ap.parse_args()
    if a.only in (None, "sqlite"):
        sqlite_restart(a.receiver)
        sqlite_two_processes(a.receiver)
        sqlite_crash_in_handler(a.receiver)
    if a.only in (None, "redis"):
        if shutil.which("redis-server") is None:
            check("redis-server is installed", False)
        else:
            redis_replicas(a.receiver)
            redis_outage(a.receiver)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
