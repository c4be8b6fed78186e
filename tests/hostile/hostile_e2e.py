#!/usr/bin/env python3
"""Hostile inputs against the real megaport-webhook-receiver over HTTP.

Thousands of requests made from the delivery fixtures by truncation, byte flips, huge numbers,
deep nesting, invalid UTF-8, NUL bytes, envelope damage, and oversized, repeated or malformed
headers. An oracle written here (Python's json module plus the envelope rules) classes each
request as valid, invalid or unsure. Checks:

- the receiver never crashes: alive at the end, and exit 0 on SIGTERM;
- no invalid request gets a 2xx; every valid one gets 200 (`processed`, or `duplicate` for a
  deliberate retry); unsure ones get 200 or 400;
- the events file holds each id at most once, every id answered `processed`, and nothing else.

Usage: hostile_e2e.py --receiver BIN --fixtures DIR [--seed N] [--flips N]
"""
import argparse, base64, datetime, glob, json, os, random, re, socket, sys, time, uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from harness import Receiver  # noqa: E402

VALID, INVALID, UNSURE = "valid", "invalid", "unsure"
UUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
TIME_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?"
                     r"([Zz]|[+-]\d{2}:\d{2})")
SURROGATE_ESCAPE = re.compile(rb"\\[uU][dD][89a-fA-F]")
KNOWN = {
    "security.login.failed": {"person_uid": "uuid", "email": "str", "attempts": "int",
                              "account_locked": "bool"},
    "user.registered": {"person_uid": "uuid", "position": "str", "email": "str",
                        "first_name": "str", "last_name": "str"},
    "security.password_reset.requested": {"person_uid": "uuid", "email": "str"},
}
ENVELOPE = ("type", "schema_version", "timestamp", "company_uid", "data")
MAX_DEPTH = 64  # MEGAPORT_WEBHOOKS_MAX_JSON_DEPTH: the top-level object is depth 1


class Unsure(Exception):
    pass


def pairs_hook(pairs):
    """Keeps duplicate keys visible: a dict plus the list of keys seen more than once."""
    out, dups = {}, []
    for k, v in pairs:
        if k in out:
            dups.append(k)
        out[k] = v
    if dups:
        out["\0dups"] = dups
    return out


def depth_of(value):
    if isinstance(value, dict):
        return 1 + max([depth_of(v) for k, v in value.items() if k != "\0dups"] or [0])
    if isinstance(value, list):
        return 1 + max([depth_of(v) for v in value] or [0])
    return 0


def valid_time(text):
    m = TIME_RE.fullmatch(text)
    if not m:
        return False
    y, mo, d, h, mi, s = (int(m.group(i)) for i in range(1, 7))
    if not 1678 <= y <= 2261:
        raise Unsure("year %d is near the edge of what the library's clock holds" % y)
    zone = m.group(8)
    if zone not in ("Z", "z") and (int(zone[1:3]) > 23 or int(zone[4:6]) > 59):
        return False
    try:
        datetime.datetime(y, mo, d, h, mi, s)
    except ValueError:
        return False
    return True


def type_ok(kind, value):
    if kind == "str":
        return isinstance(value, str)
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool) and \
            -2**63 <= value < 2**63
    if kind == "uuid":
        return isinstance(value, str) and UUID_RE.fullmatch(value) is not None
    raise AssertionError(kind)


def classify_body(body):
    """VALID, INVALID or UNSURE for a body, by JSON's grammar and the envelope's rules."""
    if SURROGATE_ESCAPE.search(body):
        return UNSURE  # lone or paired surrogate escapes: grammar allows, decoders differ
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return INVALID
    if text.startswith("\ufeff"):
        return UNSURE

    def no_constant(name):
        raise ValueError("not JSON: " + name)

    try:
        doc = json.loads(text, object_pairs_hook=pairs_hook, parse_constant=no_constant)
    except RecursionError:
        return INVALID  # far deeper than the library's limit too
    except ValueError as e:
        if "integer string conversion" in str(e):
            return UNSURE
        return INVALID
    if depth_of(doc) > MAX_DEPTH + 2:
        return INVALID
    if depth_of(doc) > MAX_DEPTH - 2:
        return UNSURE
    if not isinstance(doc, dict):
        return INVALID
    try:
        return VALID if envelope_ok(doc) else INVALID
    except Unsure:
        return UNSURE


def envelope_ok(doc):
    if any(k in ENVELOPE for k in doc.get("\0dups", [])):
        return False
    if any(k not in doc for k in ENVELOPE):
        return False
    if not all(isinstance(doc[k], str) for k in ("type", "schema_version", "timestamp",
                                                "company_uid")):
        return False
    if not valid_time(doc["timestamp"]) or not UUID_RE.fullmatch(doc["company_uid"]):
        return False
    data = doc["data"]
    if not isinstance(data, dict):
        return False
    fields = KNOWN.get(doc["type"])
    if fields is None:
        return True  # unknown types are acknowledged, data kept raw
    if any(k in fields for k in data.get("\0dups", [])):
        return False
    return all(k in data and type_ok(kind, data[k]) for k, kind in fields.items())


class Client:
    """One keep-alive HTTP/1.1 connection over a raw socket, so that any bytes can be sent;
    reconnects when the server closes it."""

    def __init__(self, port):
        self.port = port
        self.sock = None
        self.buf = b""

    def close(self):
        if self.sock:
            self.sock.close()
        self.sock, self.buf = None, b""

    def request(self, method, headers, body, path="/webhooks/megaport"):
        lines = [b"%s %s HTTP/1.1" % (method, path.encode()), b"Host: 127.0.0.1"]
        lines += [name + b": " + value for name, value in headers]
        if body is not None:
            lines.append(b"Content-Length: %d" % len(body))
        raw = b"\r\n".join(lines) + b"\r\n\r\n" + (body or b"")
        for attempt in range(2):
            if self.sock is None:
                self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=10)
                self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                self.sock.sendall(raw)
                return self.read_response()
            except (ConnectionError, socket.timeout, BrokenPipeError) as e:
                self.close()
                if attempt == 1:
                    return None, b"connection: %s" % str(e).encode()
        return None, b""

    def read_response(self):
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed before an answer")
            self.buf += chunk
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        status = int(head.split(b" ", 2)[1])
        length, close = 0, False
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
            if name.strip().lower() == b"connection" and b"close" in value.lower():
                close = True
        while len(self.buf) < length:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed inside an answer")
            self.buf += chunk
        data, self.buf = self.buf[:length], self.buf[length:]
        if close:
            self.close()
        return status, data


def fixture_bodies(fixtures):
    """The bodies of the fixtures' valid deliveries."""
    out = []
    for path in sorted(glob.glob(os.path.join(fixtures, "*.json"))):
        with open(path, encoding="utf-8") as f:
            for step in json.load(f)["steps"]:
                if step.get("expect_status") == 200 and step.get("method", "POST") == "POST":
                    body = (base64.b64decode(step["body_base64"]) if "body_base64" in step
                            else step["body"].encode())
                    if body not in out:
                        out.append(body)
    return out


def good_headers(delivery_id, now):
    return [(b"webhook-id", delivery_id.encode()), (b"webhook-timestamp", str(now).encode()),
            (b"Content-Type", b"application/json")]


def replace_value(body, key, raw):
    """The body with the first `"key":value` (a scalar) given the raw JSON `raw` instead."""
    doc = json.loads(body)
    target = doc if key in doc else doc["data"]
    marker = "\0marker\0"
    target[key] = marker
    return json.dumps(doc, separators=(",", ":")).encode().replace(
        json.dumps(marker).encode(), raw)


def body_mutations(bases, rng, flips):
    """(name, body) pairs: every kind of damage a body can take."""
    for b, base in enumerate(bases):
        for cut in range(0, len(base), 5):
            yield "truncate %d/%d" % (b, cut), base[:cut]
        for n in range(flips):
            pos = rng.randrange(len(base))
            value = rng.choice([rng.randrange(256), rng.randrange(32, 127)])
            yield "flip %d@%d" % (b, pos), base[:pos] + bytes([value]) + base[pos + 1:]
        for n in range(flips // 10):
            pos = rng.randrange(len(base))
            yield "delete %d@%d" % (b, pos), base[:pos] + base[pos + 1:]
            pos = rng.randrange(len(base))
            yield "insert %d@%d" % (b, pos), base[:pos] + bytes([rng.randrange(256)]) + base[pos:]

        doc = json.loads(base)
        for key in ENVELOPE:
            stripped = dict(doc)
            del stripped[key]
            yield "without %s" % key, json.dumps(stripped).encode()
            for raw in (b"null", b"7", b'"7"', b"[]", b"{}", b"true"):
                yield "%s=%s" % (key, raw.decode()), replace_value(base, key, raw)
        for key in doc["data"]:
            stripped = json.loads(base)
            del stripped["data"][key]
            yield "without data.%s" % key, json.dumps(stripped).encode()
            for raw in (b"null", b'"5"', b"5", b"5.0", b"true", b"[]"):
                yield "data.%s=%s" % (key, raw.decode()), replace_value(base, key, raw)

        yield "data first", json.dumps(dict([("data", doc["data"])] + list(doc.items()))).encode()
        yield "duplicate type", base[:1] + b'"type":"x",' + base[1:]
        yield "duplicate unknown", base[:1] + b'"z":1,"z":2,' + base[1:]
        yield "trailing garbage", base + b"x"
        yield "second value", base + b"{}"
        yield "trailing NUL", base + b"\0"
        yield "leading NUL", b"\0" + base
        yield "BOM", b"\xef\xbb\xbf" + base
        yield "whitespace around", b" \n\t" + base + b"\r\n "
        yield "array of it", b"[" + base + b"]"
        yield "empty", b""
        yield "null", b"null"

        for number in (b"0", b"-0", b"9223372036854775807", b"9223372036854775808",
                       b"-9223372036854775808", b"-9223372036854775809", b"1" + b"0" * 30,
                       b"1e400", b"-1e400", b"1.5", b"1E2", b"01", b"1.", b".5", b"+1", b"0x10",
                       b"1" * 4000):
            yield "unknown number %s" % number[:24].decode(), base[:1] + b'"n":' + number + \
                b"," + base[1:]
            if b'"attempts"' in base:
                yield "attempts %s" % number[:24].decode(), replace_value(base, "attempts", number)

        for depth in (1, 10, 40, 60, 61, 62, 63, 64, 65, 66, 100, 1000, 100000):
            nest = b"[" * depth + b"]" * depth
            yield "deep array %d" % depth, base[:1] + b'"deep":' + nest + b"," + base[1:]
            objs = b'{"a":' * depth + b"1" + b"}" * depth
            yield "deep object in data %d" % depth, base.replace(b'"data":{', b'"data":{"x":' +
                                                                  objs + b",", 1)
        yield "unclosed deep", base[:1] + b'"deep":' + b"[" * 5000 + b"," + base[1:]

        for name, raw in (("0xff", b"\xff"), ("overlong slash", b"\xc0\xaf"),
                          ("surrogate", b"\xed\xa0\x80"), ("cut euro", b"\xe2\x82"),
                          ("beyond U+10FFFF", b"\xf4\x90\x80\x80"), ("lone continuation", b"\x80"),
                          ("e acute", "é".encode()), ("emoji", "🦀".encode()),
                          ("raw NUL", b"\0"), ("raw newline", b"\n"), ("escaped NUL", b"\\u0000"),
                          ("bad escape", b"\\x41"), ("lone surrogate escape", b"\\ud800")):
            yield "utf8 %s in unknown" % name, base[:1] + b'"u":"a' + raw + b'b",' + base[1:]
            if b'"email":"' in base:
                yield "utf8 %s in email" % name, base.replace(b'"email":"', b'"email":"' + raw, 1)
            yield "utf8 %s in key" % name, base[:1] + b'"k' + raw + b'":1,' + base[1:]


def header_mutations(base, now, rng):
    """(name, method, headers, body, expected class) for damage to everything but the body."""
    def fresh():
        return str(uuid.uuid4())

    stamps = [b"", b" ", b"+%d" % now, b"-%d" % now, b"%d.0" % now, b"%de0" % now,
              b"%d" % (now * 1000), b"0x%x" % now, b"%dZ" % now, b"1" * 40, b"%d" % (now - 301),
              b"%d" % (now + 301), b"\0%d" % now, b"%d\0" % now, b"0", b"99999999999999999999"]
    for stamp in stamps:
        headers = [(b"webhook-id", fresh().encode()), (b"webhook-timestamp", stamp),
                   (b"Content-Type", b"application/json")]
        yield "timestamp %r" % stamp, b"POST", headers, base, INVALID
    yield "timestamp edge -300", b"POST", good_headers(fresh(), now - 300 + 5), base, VALID
    ids = [b"", b"x", fresh().encode() + b"0", fresh().encode()[:35],
           b"{" + fresh().encode() + b"}",
           b"urn:uuid:" + fresh().encode(), fresh().replace("-", "").encode(), b"\0" * 36,
           b"zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz", b"A" * 5000]
    for bad in ids:
        yield "id %r" % bad[:40], b"POST", [(b"webhook-id", bad),
                                            (b"webhook-timestamp", b"%d" % now),
                                            (b"Content-Type", b"application/json")], base, INVALID
    upper = fresh().upper().encode()
    yield "id uppercase", b"POST", [(b"webhook-id", upper), (b"webhook-timestamp", b"%d" % now),
                                    (b"Content-Type", b"application/json")], base, VALID
    for name in (b"webhook-id", b"webhook-timestamp", b"Content-Type"):
        hs = good_headers(fresh(), now)
        yield "without %s" % name.decode(), b"POST", [x for x in hs if x[0] != name], base, INVALID
        hs = good_headers(fresh(), now)
        twice = [x for x in hs if x[0] == name][0]
        yield "repeated %s" % name.decode(), b"POST", hs + [twice], base, INVALID
        hs = good_headers(fresh(), now)
        yield "repeated %s in other case" % name.decode(), b"POST", \
            hs + [(name.upper(), dict(hs)[name])], base, INVALID
    for ctype in (b"text/plain", b"application/xml", b"application/jsonx", b"json", b"",
                  b"application/json\0", b"multipart/form-data; boundary=x"):
        hs = [x for x in good_headers(fresh(), now) if x[0] != b"Content-Type"]
        yield "content type %r" % ctype, b"POST", hs + [(b"Content-Type", ctype)], base, INVALID
    for ctype in (b"application/json; charset=utf-8", b"APPLICATION/JSON",
                  b"application/vnd.megaport+json"):
        hs = [x for x in good_headers(fresh(), now) if x[0] != b"Content-Type"]
        yield "content type %r" % ctype, b"POST", hs + [(b"Content-Type", ctype)], base, VALID
    for method in (b"GET", b"PUT", b"DELETE", b"PATCH", b"post", b"OPTIONS"):
        yield "method %s" % method.decode(), method, good_headers(fresh(), now), base, INVALID
    yield "oversized header", b"POST", good_headers(fresh(), now) + [(b"x-big", b"a" * 200000)], \
        base, INVALID_OR_REFUSED
    yield "thousand headers", b"POST", good_headers(fresh(), now) + \
        [(b"x-h%d" % i, b"v") for i in range(1000)], base, VALID_OR_REFUSED
    yield "many ordinary headers", b"POST", good_headers(fresh(), now) + \
        [(b"x-h%d" % i, b"v") for i in range(20)], base, VALID
    yield "body over the limit", b"POST", good_headers(fresh(), now), \
        base[:-1] + b',"pad":"' + b"p" * (1 << 20) + b'"}', INVALID
    yield "NUL in header name", b"POST", good_headers(fresh(), now) + [(b"x-\0", b"v")], base, \
        INVALID_OR_REFUSED


INVALID_OR_REFUSED = "invalid, or refused by the HTTP layer"
VALID_OR_REFUSED = "valid, or refused by the HTTP layer"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--receiver", required=True)
    ap.add_argument("--fixtures", required=True)
    ap.add_argument("--seed", type=int, default=int(os.environ.get("HOSTILE_SEED", "20260115")))
    ap.add_argument("--flips", type=int, default=400, help="byte flips per fixture body")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    started = time.monotonic()

    bases = fixture_bodies(args.fixtures)
    assert bases, "no valid fixture bodies in " + args.fixtures
    for base in bases:
        assert classify_body(base) == VALID, "the oracle refuses a fixture: %r" % base[:80]

    rx = Receiver(args.receiver)  # --dedupe memory --events-out FILE
    client = Client(rx.port)
    failures = []
    answers = {}  # id -> list of (status, outcome)
    counts = {VALID: 0, INVALID: 0, UNSURE: 0, INVALID_OR_REFUSED: 0, VALID_OR_REFUSED: 0}

    def send(name, method, headers, body, expected):
        status, data = client.request(method, headers, body)
        outcome = None
        try:
            outcome = json.loads(data).get("outcome") if status else None
        except ValueError:
            pass
        delivery_id = dict(headers).get(b"webhook-id", b"").decode("latin-1").strip().lower()
        answers.setdefault(delivery_id, []).append((status, outcome))
        counts[expected] += 1
        ok = {VALID: status == 200 and outcome in ("processed", "duplicate"),
              INVALID: status is not None and 400 <= status < 500,
              UNSURE: status in (200, 400),
              INVALID_OR_REFUSED: status is None or 400 <= status < 500,
              VALID_OR_REFUSED: status is None or 400 <= status < 500 or
              (status == 200 and outcome == "processed")}[expected]
        if not ok:
            failures.append("%s (%s): got %s %r" % (name, expected, status, data[:120]))
        return status, outcome

    now = int(time.time())
    sent_valid = []
    for name, body in body_mutations(bases, rng, args.flips):
        if time.time() - now > 120:
            now = int(time.time())
        expected = classify_body(body)
        delivery_id = str(uuid.uuid4())
        status, _ = send(name, b"POST", good_headers(delivery_id, now), body, expected)
        if status == 200:
            sent_valid.append((delivery_id, body))

    # Retries of accepted deliveries, some with fresh timestamps: acknowledged, never reprocessed.
    for delivery_id, body in rng.sample(sent_valid, min(300, len(sent_valid))):
        status, outcome = send("retry " + delivery_id, b"POST",
                               good_headers(delivery_id, int(time.time()) + rng.randrange(0, 60)),
                               body, VALID)
        if status == 200 and outcome != "duplicate":
            failures.append("retry %s answered %s, not duplicate" % (delivery_id, outcome))

    for name, method, headers, body, expected in header_mutations(bases[0], int(time.time()), rng):
        send(name, method, headers, body, expected)

    alive = rx.proc.poll() is None
    code = rx.stop()
    events = rx.read_events()
    client.close()

    if not alive:
        failures.append("the receiver died during the run:\n" + rx.log_text()[-2000:])
    if code != 0:
        failures.append("the receiver exited %s on SIGTERM" % code)

    seen = {}
    for e in events:
        seen[e.get("webhook_id")] = seen.get(e.get("webhook_id"), 0) + 1
    processed = {i for i, a in answers.items() if any(o == "processed" for _, o in a)}
    for i, n in seen.items():
        if n > 1:
            failures.append("id %s is in the events file %d times" % (i, n))
        if i not in processed:
            failures.append("id %s is in the events file but was never answered processed" % i)
    for i in processed:
        if i not in seen:
            failures.append("id %s was answered processed but is not in the events file" % i)
        if sum(1 for _, o in answers[i] if o == "processed") > 1:
            failures.append("id %s was answered processed more than once" % i)

    total = sum(counts.values())
    print("hostile inputs: %d requests (%s), seed %d, %d events, %.1f s" % (
        total, ", ".join("%d %s" % (n, k) for k, n in counts.items()), args.seed, len(events),
        time.monotonic() - started))
    for f in failures[:50]:
        print("FAIL " + f)
    if len(failures) > 50:
        print("... and %d more failures" % (len(failures) - 50))
    print("%d failed" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
