#!/usr/bin/env python3
"""End-to-end tests of megaport-webhook-receiver: starts it on a free loopback port and drives it
over real HTTP with the delivery cases, then checks shutdown, flags, TLS and the sender."""
import argparse, concurrent.futures, glob, json, os, resource, signal, socket, subprocess, sys
import tempfile, time, uuid

from harness import (Receiver, check, finish, free_port, headers_for, instant, login_body,
                     step_request)

def run_cases(binary, cases_dir):
    rx = Receiver(binary)
    cases = [json.load(open(f)) for f in sorted(glob.glob(os.path.join(cases_dir, "*.json")))]
    check("cases found", len(cases) > 0)
    for case in cases:
        for n, step in enumerate(case["steps"], 1):
            headers, body = step_request(step)
            status, _, data = rx.send(step.get("method", "POST"), headers, body)
            want = step.get("expect_status")
            ok = status in (200, 400) if want is None else status == want
            check("%s step %d status" % (case["name"], n), ok, "got %s: %r" % (status, data[:160]))
            answer = json.loads(data) if data else {}
            check("%s step %d JSON answer" % (case["name"], n), "outcome" in answer, repr(data))
            if step.get("expect_outcome"):
                check("%s step %d outcome" % (case["name"], n),
                      answer.get("outcome") == step["expect_outcome"], repr(answer))
            if body and b"user@example.com" in body:
                check("%s step %d no echo" % (case["name"], n), b"user@example.com" not in data)
    code = rx.stop()
    check("receiver exits 0 on SIGTERM", code == 0, "exit %s" % code)

    by_id = {}
    for e in rx.read_events():
        by_id.setdefault(e.get("webhook_id"), []).append(e)
    for case in cases:
        want = case.get("expect_events")
        if want is None:
            continue
        ids = {v.lower() for s in case["steps"] for k, v in s.get("headers", {}).items()
               if k.lower() == "webhook-id"}
        got = [e for i in ids for e in by_id.get(i, [])]
        check("%s events" % case["name"], len(got) == len(want), "%d vs %d" % (len(got), len(want)))
        for w, g in zip(want, got):
            for key in ("kind", "company_uid", "schema_version", "type", "data"):
                if key in w:
                    check("%s event %s" % (case["name"], key), g.get(key) == w[key],
                          "%r vs %r" % (g.get(key), w[key]))
            if "timestamp" in w:
                check("%s event timestamp" % case["name"],
                      instant(g["timestamp"]) == instant(w["timestamp"]))
    log = rx.log_text()
    check("log has no personal data", "user@example.com" not in log and "Smith" not in log)
    check("log has one line per delivery", log.count(" status=") >= sum(
        len(c["steps"]) for c in cases), log[-400:])


def graceful_shutdown(binary):
    rx = Receiver(binary)
    ids = [str(uuid.uuid4()) for _ in range(300)]

    def one(i):
        try:
            status, _, _ = rx.send(headers=headers_for(i), body=login_body())
            return i, status
        except OSError:
            return i, None

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        futures = [pool.submit(one, i) for i in ids]
        time.sleep(0.05)
        code = rx.stop()
        results = [f.result() for f in futures]
    check("shutdown under load exits 0", code == 0, "exit %s" % code)
    acknowledged = {i for i, s in results if s == 200}
    written = {e["webhook_id"] for e in rx.read_events()}
    check("every acknowledged delivery was written", acknowledged <= written,
          "%d acknowledged, %d missing" % (len(acknowledged), len(acknowledged - written)))
    check("nothing written twice", len(rx.read_events()) == len(written))


def flags_and_routes(binary):
    for args in (["--listen", "nonsense"], ["--tolerance", "abc"], ["--no-such-flag"],
                 ["--map", "x=no_such_kind"], ["--dedupe", "bogus:thing"],
                 ["--tls-cert", "/nonexistent/cert.pem", "--tls-key", "/nonexistent/key.pem"],
                 ["--events-out", "/nonexistent/dir/events.jsonl"]):
        store = [] if "--dedupe" in args else ["--dedupe", "memory"]
        p = subprocess.run([binary] + store + args, capture_output=True, text=True, timeout=10)
        lines = [l for l in p.stderr.splitlines() if l.strip()]
        check("bad flags %s exit non-zero" % args, p.returncode != 0, p.stderr)
        check("bad flags %s say so" % args, 1 <= len(lines) <= 3, p.stderr)

    rx = Receiver(binary, "--path", "/hooks", "--map", "custom.login=login_failure",
                  "--tolerance", "10")
    status, _, _ = rx.send(headers=headers_for(str(uuid.uuid4())), body=login_body(),
                           path="/webhooks/megaport")
    check("other paths answer 404", status == 404, str(status))
    body = login_body().replace(b"security.login.failed", b"custom.login")
    the_id = str(uuid.uuid4())
    status, _, data = rx.send(headers=headers_for(the_id), body=body, path="/hooks")
    check("--map binds a code", status == 200, repr(data))
    h = headers_for(str(uuid.uuid4()))
    h["webhook-timestamp"] = str(int(time.time()) - 11)
    status, _, _ = rx.send(headers=h, body=login_body(), path="/hooks")
    check("--tolerance is applied", status == 400, str(status))
    status, headers, _ = rx.send("GET", headers_for(str(uuid.uuid4())), path="/hooks")
    check("GET answers 405 with Allow", status == 405 and headers.get("Allow") == "POST",
          "%s %r" % (status, headers))
    big = b'{"type":"x","pad":"' + b"a" * (2 * 1024 * 1024) + b'"}'
    try:
        status, _, _ = rx.send(headers=headers_for(str(uuid.uuid4())), body=big, path="/hooks")
    except OSError:
        status = "closed"
    check("a body over the limit answers 413", status in (413, "closed"), str(status))
    rx.stop()
    events = rx.read_events()
    check("mapped event written with its kind", any(
        e["webhook_id"] == the_id and e["kind"] == "login_failure" and e["type"] == "custom.login"
        for e in events), repr(events))


def tls(binary):
    d = tempfile.mkdtemp()
    cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
    made = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                           key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1"],
                          capture_output=True)
    if made.returncode != 0:
        check("openssl makes a test certificate", False, made.stderr[-300:])
        return
    rx = Receiver(binary, "--tls-cert", cert, "--tls-key", key, tls=True)
    status, _, data = rx.send(headers=headers_for(str(uuid.uuid4())), body=login_body())
    check("HTTPS delivery processed", status == 200, repr(data))
    check("HTTPS receiver stops cleanly", rx.stop() == 0)


def sender(binary, send):
    rx = Receiver(binary)
    url = "http://127.0.0.1:%d/webhooks/megaport" % rx.port
    fixed = str(uuid.uuid4())
    for kind in ("login_failure", "user_registration", "password_reset_request", "unknown"):
        p = subprocess.run([send, url, "--event", kind, "--schedule", "none"],
                           capture_output=True, text=True, timeout=30)
        check("sender delivers %s" % kind, p.returncode == 0, p.stdout + p.stderr)
    p = subprocess.run([send, url, "--event", "login_failure", "--id", fixed, "--schedule", "none"],
                       capture_output=True, text=True, timeout=30)
    check("sender with a fixed id", p.returncode == 0, p.stdout + p.stderr)
    p = subprocess.run([send, url, "--event", "login_failure", "--id", fixed, "--schedule", "none"],
                       capture_output=True, text=True, timeout=30)
    check("sender's retry is acknowledged", p.returncode == 0, p.stdout + p.stderr)
    p = subprocess.run([send, url, "--event", "login_failure", "--timestamp",
                        str(int(time.time()) - 3600), "--schedule", "none"],
                       capture_output=True, text=True, timeout=30)
    check("a stale send fails", p.returncode != 0, p.stdout + p.stderr)
    rx.stop()
    kinds = sorted(e["kind"] for e in rx.read_events())
    check("sender's events all processed once", kinds == sorted(
        ["login_failure", "user_registration", "password_reset_request", "unknown",
         "login_failure"]), repr(kinds))


SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def signatures(binary, send):
    rx = Receiver(binary, "--secret", SECRET, "--id-format", "any")
    url = "http://127.0.0.1:%d/webhooks/megaport" % rx.port
    p = subprocess.run([send, url, "--event", "login_failure", "--secret", SECRET,
                        "--schedule", "none"], capture_output=True, text=True, timeout=30)
    check("signed by the sender, verified by the receiver", p.returncode == 0, p.stdout + p.stderr)
    p = subprocess.run([send, url, "--event", "login_failure", "--schedule", "none"],
                       capture_output=True, text=True, timeout=30)
    check("unsigned delivery refused when a secret is set", p.returncode != 0 and "401" in p.stdout,
          p.stdout)
    other = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"
    p = subprocess.run([send, url, "--event", "login_failure", "--secret", other,
                        "--schedule", "none"], capture_output=True, text=True, timeout=30)
    check("delivery signed with another secret refused", p.returncode != 0 and "401" in p.stdout,
          p.stdout)
    h = headers_for("msg_p5jXN8AQM9LWM0D4loKWxJek")
    h["webhook-signature"] = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    status, _, data = rx.send(headers=h, body=login_body())
    check("a wrong signature answers 401 with a reason", status == 401 and b"signature" in data,
          repr(data))
    rx.stop()
    check("one event processed", len(rx.read_events()) == 1, repr(rx.read_events()))

    for args in (["--secret", "whsec_!!!notbase64!!!"], ["--secret", "whsec_"],
                 ["--signature", "required"], ["--public-key", "whpk_abc"]):
        p = subprocess.run([binary, "--dedupe", "memory"] + args, capture_output=True, text=True,
                           timeout=10)
        check("bad signature flags %s refused" % args, p.returncode != 0 and p.stderr.strip(),
              p.stderr)


def raw_exchange(port, data, wait=3.0):
    """Sends `data` on a fresh connection, half-closes it, and returns every byte answered."""
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as conn:
        conn.sendall(data)
        conn.shutdown(socket.SHUT_WR)
        answer = b""
        try:
            while True:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                answer += chunk
        except socket.timeout:
            pass
    return answer


def head_of(delivery_id, extra):
    lines = ["POST /webhooks/megaport HTTP/1.1", "Host: 127.0.0.1"]
    lines += ["%s: %s" % kv for kv in headers_for(delivery_id).items()] + extra
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def framing(binary):
    """Bodies framed in ways that could hide a second request, or that do not parse."""
    rx = Receiver(binary)
    body = login_body()
    inner = head_of(str(uuid.uuid4()), ["Content-Length: %d" % len(body)]) + body

    # A transfer coding that does not end in chunked must not leave its body to be read as a
    # request of its own.
    for coding in ("xchunked", "gzip"):
        answer = raw_exchange(rx.port, head_of(str(uuid.uuid4()),
                                               ["Transfer-Encoding: " + coding]) + inner)
        check("Transfer-Encoding %s answers 400 once" % coding,
              answer.startswith(b"HTTP/1.1 400") and answer.count(b"HTTP/1.1") == 1,
              repr(answer[:300]))
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    answer = raw_exchange(rx.port, head_of(str(uuid.uuid4()),
                                           ["Transfer-Encoding: gzip, chunked"]) + chunked)
    check("a coding besides chunked answers 501", answer.startswith(b"HTTP/1.1 501"),
          repr(answer[:200]))
    check("no smuggled delivery was processed", rx.read_events() == [], repr(rx.read_events()))

    # Chunked bodies that do not parse are answered, not dropped.
    for size in (b"zz", b"-1", b"ffffffffffffffffff", b"5"):
        bad = size + b"\r\n" + body + b"\r\n0\r\n\r\n"
        answer = raw_exchange(rx.port, head_of(str(uuid.uuid4()),
                                               ["Transfer-Encoding: chunked"]) + bad)
        check("chunk size %r answers 400" % size, answer.startswith(b"HTTP/1.1 400"),
              repr(answer[:200]))
    answer = raw_exchange(rx.port, head_of(str(uuid.uuid4()), ["Transfer-Encoding: chunked"]) +
                          chunked)
    check("a well-formed chunked delivery is processed", answer.startswith(b"HTTP/1.1 200"),
          repr(answer[:200]))

    # Expect: 100-continue hears 100 before it sends the body.
    with socket.create_connection(("127.0.0.1", rx.port), timeout=3) as conn:
        conn.sendall(head_of(str(uuid.uuid4()),
                             ["Content-Length: %d" % len(body), "Expect: 100-continue"]))
        interim = conn.recv(4096)
        check("Expect: 100-continue gets 100 first", interim.startswith(b"HTTP/1.1 100 Continue"),
              repr(interim))
        conn.sendall(body)
        final = conn.recv(4096)
        check("then the delivery's answer", final.startswith(b"HTTP/1.1 200"), repr(final))
    check("framing receiver stops cleanly", rx.stop() == 0)


def accept_failures(binary):
    """Out of file descriptors, the receiver waits for one rather than spinning."""
    def few_descriptors():
        resource.setrlimit(resource.RLIMIT_NOFILE, (40, 40))
    port = free_port()
    proc = subprocess.Popen([binary, "--listen", "127.0.0.1:%d" % port, "--dedupe", "memory",
                             "--threads", "1"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, preexec_fn=few_descriptors)
    held = []
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        for _ in range(60):
            held.append(socket.create_connection(("127.0.0.1", port), timeout=2))
        time.sleep(0.5)

        def cpu_seconds():
            with open("/proc/%d/stat" % proc.pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        before = cpu_seconds()
        time.sleep(2)
        spent = cpu_seconds() - before
        # Spinning on a failed accept takes a whole core, 2 s here; pausing takes next to none.
        check("no busy loop when out of descriptors", spent < 0.5, "%.2f s of CPU in 2 s" % spent)
    finally:
        for conn in held:
            conn.close()
    proc.send_signal(signal.SIGTERM)
    check("receiver out of descriptors stops cleanly", proc.wait(timeout=10) == 0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--receiver", required=True)
    ap.add_argument("--sender")
    ap.add_argument("--cases", required=True)
    a = ap.parse_args()
    run_cases(a.receiver, a.cases)
    graceful_shutdown(a.receiver)
    flags_and_routes(a.receiver)
    tls(a.receiver)
    framing(a.receiver)
    accept_failures(a.receiver)
    if a.sender:
        sender(a.receiver, a.sender)
        helped = subprocess.run([a.receiver, "--help"], capture_output=True, text=True).stdout
        if "--secret" in helped:
            signatures(a.receiver, a.sender)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
