#!/usr/bin/env python3
"""The durable inbox under crashes: the receiver, under load, is killed with SIGKILL at random
moments and restarted on the same inbox, many rounds, while the client retries every delivery
until it is acknowledged, as the provider does. At the end every acknowledged delivery has been
processed and is marked done once. Then the operator tool: list, show, retry, purge-done."""
import argparse, json, os, random, signal, sqlite3, subprocess, sys, tempfile, threading, time
import uuid

from harness import Receiver, check, finish, headers_for, login_body


def deliver_until_acknowledged(state, delivery_id):
    while not state["stop"]:
        rx = state["rx"]
        try:
            status, _, _ = rx.send(headers=headers_for(delivery_id), body=login_body())
        except OSError:
            status = None
        if status is not None and 200 <= status < 300:
            with state["lock"]:
                state["acked"].add(delivery_id)
                state["statuses"].append(status)
            return
        time.sleep(0.02)


def crash_rounds(binary, rounds, total):
    work = tempfile.mkdtemp()
    db = os.path.join(work, "inbox.db")
    events = os.path.join(work, "events.jsonl")
    args = ["--inbox", "sqlite:" + db, "--workers", "2", "--lease", "2"]
    state = {"rx": Receiver(binary, *args, dedupe=None, events=events), "stop": False,
             "lock": threading.Lock(), "acked": set(), "statuses": []}
    ids = [str(uuid.uuid4()) for _ in range(total)]
    pending = list(ids)

    def client():
        while True:
            with state["lock"]:
                if not pending:
                    return
                delivery_id = pending.pop()
            deliver_until_acknowledged(state, delivery_id)

    threads = [threading.Thread(target=client) for _ in range(8)]
    for t in threads:
        t.start()
    rng = random.Random(7)
    for _ in range(rounds):
        time.sleep(rng.uniform(0.2, 0.6))
        old = state["rx"]
        old.proc.send_signal(signal.SIGKILL)
        old.proc.wait(timeout=10)
        state["rx"] = Receiver(binary, *args, dedupe=None, events=events)
    for t in threads:
        t.join(timeout=120)
    check("crash: every delivery was acknowledged in the end", state["acked"] == set(ids),
          "%d of %d" % (len(state["acked"]), len(ids)))

    # Let the workers drain what was acknowledged, then stop cleanly.
    for _ in range(300):
        with sqlite3.connect(db) as c:
            left = c.execute("SELECT COUNT(*) FROM megaport_webhooks_inbox WHERE state != 2")
            if left.fetchone()[0] == 0:
                break
        time.sleep(0.05)
    check("crash: the receiver stops cleanly at the end", state["rx"].stop() == 0)

    processed = {}
    for e in state["rx"].read_events():
        processed[e["webhook_id"]] = processed.get(e["webhook_id"], 0) + 1
    check("crash: every acknowledged delivery was processed at least once",
          all(processed.get(i, 0) >= 1 for i in state["acked"]),
          "%d missing" % sum(1 for i in state["acked"] if i not in processed))
    check("crash: nothing processed that was never sent", set(processed) <= set(ids))
    with sqlite3.connect(db) as c:
        rows = dict(c.execute("SELECT id, state FROM megaport_webhooks_inbox").fetchall())
    check("crash: one inbox row per delivery, each done", len(rows) == len(ids) and all(
        rows.get(i) == 2 for i in ids), "%d rows, %d done" % (
        len(rows), sum(1 for s in rows.values() if s == 2)))
    check("crash: answers were 202 or 200 only", set(state["statuses"]) <= {200, 202})
    print("crash rounds: %d kills, %d deliveries, %d processed more than once (at-least-once)"
          % (rounds, len(ids), sum(1 for n in processed.values() if n > 1)))
    return db, events, ids


def operator_tool(binary, tool, db, events, ids):
    def run(*args):
        p = subprocess.run([tool, db] + list(args), capture_output=True, text=True, timeout=30)
        return p.returncode, p.stdout, p.stderr

    code, out, _ = run("list")
    check("tool: list shows every delivery", code == 0 and "%d deliveries" % len(ids) in out,
          out[-200:])
    code, out, _ = run("show", ids[0])
    check("tool: show one", code == 0 and ids[0] in out and "done" in out, out)
    check("tool: show hides the body by default", "user@example.com" not in out)
    code, out, _ = run("show", str(uuid.uuid4()))
    check("tool: show of an unknown id fails", code != 0)
    code, out, _ = run("purge-done")
    check("tool: purge-done keeps ids inside the retention",
          code == 0 and out.startswith("0 "), out)
    code, _, _ = run("retry", ids[0])
    check("tool: retry of a done delivery fails", code != 0)


def dead_letter_and_retry(binary, tool):
    """A handler that always fails (its events file is /dev/full) dead-letters the delivery
    after --max-attempts; the operator retries it once the cause is fixed."""
    db = os.path.join(tempfile.mkdtemp(), "inbox.db")

    def run(*args):
        p = subprocess.run([tool, db] + list(args), capture_output=True, text=True, timeout=30)
        return p.returncode, p.stdout, p.stderr

    rx = Receiver(binary, "--inbox", "sqlite:" + db, "--max-attempts", "2", dedupe=None,
                  events="/dev/full")
    the_id = str(uuid.uuid4())
    status, _, data = rx.send(headers=headers_for(the_id), body=login_body())
    check("dead: accepted with 202", status == 202, repr(data))
    out = ""
    for _ in range(100):
        code, out, _ = run("list")
        if " dead " in out:
            break
        time.sleep(0.1)
    rx.stop()
    check("dead: dead-lettered after its attempts, with its error",
          " dead " in out and "attempts=2" in out and "handler failed" in out, out)
    code, out, _ = run("show", the_id, "--body")
    check("dead: show --body prints the stored body", code == 0 and "security.login.failed" in out)
    code, out, _ = run("retry", the_id)
    check("dead: retry makes it due", code == 0 and out.startswith("1 "), out)

    rx = Receiver(binary, "--inbox", "sqlite:" + db, dedupe=None)
    for _ in range(100):
        if rx.read_events():
            break
        time.sleep(0.05)
    rx.stop()
    check("dead: the retried delivery is processed", [e["webhook_id"] for e in rx.read_events()]
          == [the_id], repr(rx.read_events()))
    code, out, _ = run("retry-dead")
    check("dead: retry-dead with none dead", code == 0 and out.startswith("0 "), out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--receiver", required=True)
    ap.add_argument("--tool", required=True)
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--deliveries", type=int, default=3000)
    a = ap.parse_args()
    db, events, ids = crash_rounds(a.receiver, a.rounds, a.deliveries)
    operator_tool(a.receiver, a.tool, db, events, ids)
    dead_letter_and_retry(a.receiver, a.tool)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
