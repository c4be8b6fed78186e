"""What the end-to-end tests share: a receiver process on a free loopback port, requests to it,
and a pass/fail tally that ends in a 'N passed, M failed' line."""
import base64, datetime, http.client, json, os, re, signal, socket, ssl, subprocess, tempfile
import time

RESULTS = {"passed": 0, "failed": 0}


def check(name, ok, detail=""):
    if ok:
        RESULTS["passed"] += 1
    else:
        RESULTS["failed"] += 1
        print("FAIL %s %s" % (name, detail))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Receiver:
    def __init__(self, binary, *extra, tls=None, dedupe="memory", events=None):
        self.port = free_port()
        self.dir = tempfile.mkdtemp()
        self.events = events or os.path.join(self.dir, "events.jsonl")
        self.log = open(os.path.join(self.dir, "receiver.log"), "w+")
        store = ["--dedupe", dedupe] if dedupe else []
        cmd = [binary, "--listen", "127.0.0.1:%d" % self.port] + store + [
            "--events-out", self.events] + list(extra)
        self.tls = tls
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError("receiver exited: " + self.log_text())
                time.sleep(0.05)
        raise RuntimeError("receiver did not listen")

    def log_text(self):
        self.log.flush()
        with open(self.log.name) as f:
            return f.read()

    def connection(self):
        if self.tls:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            return http.client.HTTPSConnection("127.0.0.1", self.port, timeout=10, context=ctx)
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)

    def send(self, method="POST", headers=None, body=None, path="/webhooks/megaport"):
        conn = self.connection()
        conn.putrequest(method, path, skip_accept_encoding=True)
        for k, v in (headers or {}).items():
            conn.putheader(k, v)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders()
        if body is not None:
            conn.send(body)
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        return resp.status, dict(resp.getheaders()), data

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return None

    def read_events(self):
        if not os.path.exists(self.events):
            return []
        with open(self.events, encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]




def login_body(attempts=5):
    return json.dumps({
        "type": "security.login.failed", "schema_version": "1",
        "timestamp": "2026-01-15T10:30:00Z", "company_uid": "8a3c2f1e-5b6d-4e7f-9a0b-1c2d3e4f5a6b",
        "data": {"person_uid": "34ee661a-18f0-4c30-8a73-e2d7e0ab641d", "email": "user@example.com",
                 "attempts": attempts, "account_locked": True}}).encode()


def headers_for(delivery_id):
    return {"webhook-id": delivery_id, "webhook-timestamp": str(int(time.time())),
            "content-type": "application/json"}


def finish():
    print("%d passed, %d failed" % (RESULTS["passed"], RESULTS["failed"]))
    return 1 if RESULTS["failed"] else 0


def expand(value, now):
    """A case's header value with {now}, {now-N}, {now+N} and {now_ms} replaced."""
    def one(m):
        if m.group(1) == "now_ms":
            return str(now * 1000)
        offset = re.fullmatch(r"now([+-]\d+)?", m.group(1))
        if not offset:
            return m.group(0)
        return str(now + int(offset.group(1) or 0))
    return re.sub(r"\{([a-z_]+(?:[+-]\d+)?)\}", one, value)


def instant(text):
    """An ISO 8601 date-time as a UTC datetime, so that any spelling of an instant compares."""
    t = text.strip()
    if t[-1:] in ("Z", "z"):
        t = t[:-1] + "+00:00"
    return datetime.datetime.fromisoformat(t).astimezone(datetime.timezone.utc)


def step_request(step):
    """A case step's headers (expanded now) and body bytes (None when it has none)."""
    now = int(time.time())
    headers = {k: expand(v, now) for k, v in step.get("headers", {}).items()}
    if "body_base64" in step:
        return headers, base64.b64decode(step["body_base64"])
    if step.get("body") is not None:
        return headers, step["body"].encode()
    return headers, None
