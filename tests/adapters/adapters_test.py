#!/usr/bin/env python3
"""Drives one framework adapter's example program over real HTTP on a free loopback port: every
delivery case, the events it wrote, a body over the limit (declared and chunked), framing that
could hide a request (Transfer-Encoding beside Content-Length, codings other than chunked), a
client that stalls half-way through its body while others are served, 405/404 routing and a
clean SIGTERM."""
import argparse, glob, json, os, re, signal, socket, subprocess, sys
import tempfile, threading, time, uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from harness import (Receiver, check, finish, free_port, headers_for, instant,  # noqa: E402
                     login_body, step_request)


class Example(Receiver):
    """A Receiver for the example programs, which take --listen and --events-out only."""

    def __init__(self, binary):
        self.port = free_port()
        self.dir = tempfile.mkdtemp()
        self.events = os.path.join(self.dir, "events.jsonl")
        self.log = open(os.path.join(self.dir, "example.log"), "w+")
        self.tls = None
        self.proc = subprocess.Popen(
            [binary, "--listen", "127.0.0.1:%d" % self.port, "--events-out", self.events],
            stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError("example exited: " + self.log_text())
                time.sleep(0.05)
        raise RuntimeError("example did not listen")


ACKNOWLEDGED = []  # ids of the deliveries outside the cases that were answered 200


def deliver(rx, path="/webhooks/megaport"):
    """Sends a fresh login-failure delivery; returns its status or 'closed'."""
    the_id = str(uuid.uuid4())
    status = status_of(lambda: rx.send(headers=headers_for(the_id), body=login_body(), path=path))
    if status == 200:
        ACKNOWLEDGED.append(the_id)
    return status


def status_of(send):
    """The status of a send, or 'closed' when the server dropped the connection instead."""
    try:
        return send()[0]
    except OSError:
        return "closed"


def cases(rx, cases_dir):
    loaded = [json.load(open(f)) for f in sorted(glob.glob(os.path.join(cases_dir, "*.json")))]
    check("cases found", len(loaded) > 0)
    for case in loaded:
        for n, step in enumerate(case["steps"], 1):
            headers, body = step_request(step)
            name = "%s step %d" % (case["name"], n)
            status, answer_headers, data = rx.send(step.get("method", "POST"), headers, body)
            want = step.get("expect_status")
            check(name + " status", status in (200, 400) if want is None else status == want,
                  "got %s: %r" % (status, data[:160]))
            check(name + " content type", answer_headers.get("Content-Type", "").startswith(
                "application/json"), repr(answer_headers))
            answer = json.loads(data) if data else {}
            check(name + " JSON answer", "outcome" in answer, repr(data))
            if step.get("expect_outcome"):
                check(name + " outcome", answer.get("outcome") == step["expect_outcome"],
                      repr(answer))
            if status == 405:
                check(name + " Allow", answer_headers.get("Allow") == "POST", repr(answer_headers))
    return loaded


def events(rx, loaded):
    by_id = {}
    for e in rx.read_events():
        by_id.setdefault(e.get("webhook_id"), []).append(e)
    for case in loaded:
        want = case.get("expect_events")
        if want is None:
            continue
        ids = {v.lower() for s in case["steps"] for k, v in s.get("headers", {}).items()
               if k.lower() == "webhook-id"}
        got = [e for i in sorted(ids) for e in by_id.get(i, [])]
        check("%s events" % case["name"], len(got) == len(want), "%d vs %d" % (len(got), len(want)))
        for w, g in zip(want, got):
            for key in ("kind", "type", "company_uid", "schema_version", "data"):
                if key in w:
                    check("%s event %s" % (case["name"], key), g.get(key) == w[key],
                          "%r vs %r" % (g.get(key), w[key]))
            if "timestamp" in w:
                check("%s event timestamp" % case["name"],
                      instant(g["timestamp"]) == instant(w["timestamp"]), g["timestamp"])


def over_the_limit(rx, answers):
    big = b'{"type":"x","pad":"' + b"a" * (2 * 1024 * 1024) + b'"}'
    status = status_of(lambda: rx.send(headers=headers_for(str(uuid.uuid4())), body=big))
    check("a declared 2 MiB body answers 413" + ("" if answers else " or is dropped"),
          status in ((413,) if answers else (413, "closed")), str(status))

    def chunked():
        conn = rx.connection()
        conn.putrequest("POST", "/webhooks/megaport", skip_accept_encoding=True)
        for k, v in headers_for(str(uuid.uuid4())).items():
            conn.putheader(k, v)
        conn.putheader("Transfer-Encoding", "chunked")
        conn.endheaders()
        piece = b"a" * 65536
        for _ in range(32):
            conn.send(b"%x\r\n%s\r\n" % (len(piece), piece))
        conn.send(b"0\r\n\r\n")
        resp = conn.getresponse()
        resp.read()
        conn.close()
        return resp.status, None, None
    status = status_of(chunked)
    check("a 2 MiB chunked body answers 413 or is dropped", status in (413, "closed"), str(status))

    status = deliver(rx)
    check("served after the oversized bodies", status == 200, str(status))


def first_reply(conn):
    """The first bytes answered on `conn`: None when nothing came in time, b"" when dropped."""
    try:
        return conn.recv(4096)
    except socket.timeout:
        return None
    except OSError:
        return b""


def slow_client(rx):
    body = login_body()
    stalled = socket.create_connection(("127.0.0.1", rx.port), timeout=60)
    head = "POST /webhooks/megaport HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    for k, v in headers_for(str(uuid.uuid4())).items():
        head += "%s: %s\r\n" % (k, v)
    head += "Content-Length: %d\r\n\r\n" % len(body)
    stalled.sendall(head.encode() + body[:len(body) // 2])
    time.sleep(0.2)

    slowest = 0.0
    for _ in range(8):
        started = time.monotonic()
        status = deliver(rx)
        slowest = max(slowest, time.monotonic() - started)
        check("served while another client stalls", status == 200, str(status))
    check("answered promptly while another client stalls", slowest < 1.0, "%.3f s" % slowest)

    # The stalled request must end: an answer that is not a success, or a dropped connection.
    started = time.monotonic()
    reply = first_reply(stalled)
    waited = time.monotonic() - started
    stalled.close()
    check("the stalled client is answered or dropped", reply is not None, "after %.1f s" % waited)
    if reply:
        check("the stalled client is not acknowledged", not re.match(rb"HTTP/1\.[01] 2", reply),
              repr(reply[:80]))


def routes(rx):
    for path in ("/elsewhere", "/webhooks/megaport/more", "/webhooks"):
        status = deliver(rx, path)
        check("%s answers 404" % path, status == 404, str(status))
    status = deliver(rx, "/webhooks/megaport?source=megaport")
    check("a query string keeps the route", status == 200, str(status))


def framing(rx):
    """Bodies framed two ways or in unknown codings: never processed, whatever the server does."""
    body = login_body()
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)

    def head(the_id, extra):
        lines = ["POST /webhooks/megaport HTTP/1.1", "Host: 127.0.0.1"]
        lines += ["%s: %s" % kv for kv in headers_for(the_id).items()] + extra
        return ("\r\n".join(lines) + "\r\n\r\n").encode()

    inner_id = str(uuid.uuid4())
    inner = head(inner_id, ["Content-Length: %d" % len(body)]) + body
    tried = {
        "a coding besides chunked": (str(uuid.uuid4()), ["Transfer-Encoding: gzip, chunked"],
                                     chunked),
        "Content-Length beside chunked": (str(uuid.uuid4()), [
            "Content-Length: %d" % len(chunked), "Transfer-Encoding: chunked"], chunked),
        "a coding that is not chunked": (str(uuid.uuid4()), ["Transfer-Encoding: xchunked"],
                                         inner),
    }
    for name, (the_id, extra, payload) in tried.items():
        with socket.create_connection(("127.0.0.1", rx.port), timeout=3) as conn:
            conn.sendall(head(the_id, extra) + payload)
            answer = first_reply(conn)
        # Refused with an error status, or the connection dropped: both leave it unprocessed.
        check("%s is refused" % name,
              answer is not None and not re.match(rb"HTTP/1\.[01] 2", answer), repr(answer))
    time.sleep(0.2)
    written = [e["webhook_id"] for e in rx.read_events()]
    framed = [the_id for the_id, _, _ in tried.values()] + [inner_id]
    check("no delivery framed two ways was processed", not set(framed) & set(written),
          repr(set(framed) & set(written)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--example", required=True)
    ap.add_argument("--cases", required=True)
    ap.add_argument("--answers-oversized", action="store_true",
                    help="the framework answers a declared oversized body (413), never just closes")
    a = ap.parse_args()

    rx = Example(a.example)
    loaded = cases(rx, a.cases)
    routes(rx)
    over_the_limit(rx, a.answers_oversized)
    framing(rx)
    slow_client(rx)
    code = rx.stop()
    check("exits 0 on SIGTERM", code == 0, "exit %s" % code)
    events(rx, loaded)
    written = [e["webhook_id"] for e in rx.read_events()]
    check("every delivery answered 200 was written once",
          all(written.count(i) == 1 for i in ACKNOWLEDGED), "%d acknowledged, %d written" % (
              len(ACKNOWLEDGED), len(written)))
    check("no event written twice", len(written) == len(set(written)), repr(written))
    return finish()


if __name__ == "__main__":
    sys.exit(main())
