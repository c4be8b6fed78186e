"""Drives the real megaport-webhook-send binary against a stub endpoint on loopback.

Usage: test_sender.py SENDER_BINARY [unittest arguments, e.g. SenderTest.test_retries]
"""

import base64
import datetime
import hashlib
import hmac
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import unittest

from stub_server import StubServer, tls_context

SENDER = None  # set from the command line
UUID_V4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
PERSON = "34ee661a-18f0-4c30-8a73-e2d7e0ab641d"


def run(*args, timeout=30):
    """Runs the sender; returns (exit code, stdout lines, stderr lines, seconds taken)."""
    start = time.monotonic()
    done = subprocess.run([SENDER, *args], capture_output=True, text=True, timeout=timeout)
    took = time.monotonic() - start
    return done.returncode, done.stdout.splitlines(), done.stderr.splitlines(), took


def free_port():
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SenderTest(unittest.TestCase):
    def check_envelope(self, body, code):
        """The body is a JSON envelope of event `code` that happened within seconds of now."""
        doc = json.loads(body)
        self.assertEqual(doc["type"], code)
        self.assertEqual(doc["schema_version"], "1")
        self.assertRegex(doc["company_uid"], r"^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$")
        when = datetime.datetime.strptime(doc["timestamp"], "%Y-%m-%dT%H:%M:%SZ")
        when = when.replace(tzinfo=datetime.timezone.utc).timestamp()
        self.assertLess(abs(when - time.time()), 5)
        self.assertIsInstance(doc["data"], dict)
        return doc["data"]

    def test_first_attempt_delivers_with_the_providers_headers(self):
        with StubServer() as stub:
            code, out, err, _ = run(stub.url + "/hooks/megaport?source=test", "--schedule", "none")
        self.assertEqual(code, 0, err)
        self.assertEqual(len(stub.requests), 1)
        request = stub.requests[0]
        self.assertEqual(request.method, "POST")
        self.assertEqual(request.path, "/hooks/megaport?source=test")

        delivery_id = request.header("webhook-id")
        self.assertRegex(delivery_id, UUID_V4)
        stamp = request.header("webhook-timestamp")
        self.assertRegex(stamp, r"^[0-9]+$")
        self.assertLess(abs(int(stamp) - time.time()), 5)
        self.assertEqual(request.header("content-type"), "application/json")
        self.assertEqual(int(request.header("content-length")), len(request.body))

        data = self.check_envelope(request.body, "security.login.failed")
        self.assertEqual(data, {"person_uid": PERSON, "email": "user@example.com", "attempts": 5,
                                "account_locked": True})

        self.assertEqual(len(out), 1, out)
        self.assertRegex(out[0], rf"^attempt 1/1 id={delivery_id} latency=[0-9]+ms status=200\b")
        self.assertNotIn("example.com", "\n".join(out + err))

    def test_every_event_kind_sends_its_sample(self):
        expected = {
            "login_failure": ("security.login.failed",
                              {"person_uid": PERSON, "email": "user@example.com", "attempts": 5,
                               "account_locked": True}),
            "user_registration": ("user.registered",
                                  {"person_uid": PERSON, "position": "Company Admin",
                                   "email": "user@example.com", "first_name": "John",
                                   "last_name": "Smith"}),
            "password_reset_request": ("security.password_reset.requested",
                                       {"person_uid": PERSON, "email": "user@example.com"}),
        }
        with StubServer() as stub:
            for kind, (event_code, fields) in expected.items():
                code, _, err, _ = run(stub.url, "--event", kind, "--schedule", "none")
                self.assertEqual(code, 0, err)
                self.assertEqual(self.check_envelope(stub.requests[-1].body, event_code), fields)

            code, _, err, _ = run(stub.url, "--event", "unknown", "--schedule", "none")
            self.assertEqual(code, 0, err)
            doc = json.loads(stub.requests[-1].body)
            self.assertNotIn(doc["type"], [c for c, _ in expected.values()])
            self.check_envelope(stub.requests[-1].body, doc["type"])
        self.assertEqual(len(stub.requests), 4)

    def test_failures_are_retried_with_the_same_id_and_fresh_timestamps(self):
        with StubServer(fail_first=2, fail_status=500) as stub:
            code, out, err, took = run(stub.url, "--schedule", "fast")
        self.assertEqual(code, 0, err)
        self.assertEqual(len(stub.requests), 3)

        ids = {r.header("webhook-id") for r in stub.requests}
        self.assertEqual(len(ids), 1)
        stamps = [int(r.header("webhook-timestamp")) for r in stub.requests]
        self.assertEqual(stamps, sorted(stamps))
        self.assertEqual(len({r.body for r in stub.requests}), 1)

        gaps = [b.received_at - a.received_at for a, b in zip(stub.requests, stub.requests[1:])]
        self.assertGreaterEqual(gaps[0], 0.03)
        self.assertGreaterEqual(gaps[1], 0.3)
        self.assertLess(took, 5)

        self.assertEqual(len(out), 3, out)
        self.assertIn("status=500, failed; retry in 30ms", out[0])
        self.assertIn("status=500, failed; retry in 300ms", out[1])
        self.assertIn("attempt 3/7", out[2])
        self.assertIn("status=200, delivered", out[2])

    def test_a_fixed_timestamp_stays_fixed_on_retries(self):
        with StubServer(fail_first=1) as stub:
            code, _, err, _ = run(stub.url, "--schedule", "fast", "--timestamp", "1736942400")
        self.assertEqual(code, 0, err)
        self.assertEqual([r.header("webhook-timestamp") for r in stub.requests],
                         ["1736942400", "1736942400"])

    def test_a_redirect_is_a_failure_and_is_not_followed(self):
        with StubServer(fail_first=1, fail_status=302) as stub:
            code, out, _, _ = run(stub.url + "/hook", "--schedule", "none")
        self.assertEqual(code, 1)
        self.assertEqual(stub.paths(), ["/hook"])
        self.assertIn("status=302 (redirect not followed), failed; giving up", out[0])

        with StubServer(fail_first=1, fail_status=302) as stub:
            code, out, err, _ = run(stub.url + "/hook", "--schedule", "fast")
        self.assertEqual(code, 0, err)
        self.assertEqual(stub.paths(), ["/hook", "/hook"])

    def test_a_client_error_is_retried(self):
        with StubServer(fail_first=1, fail_status=400) as stub:
            code, out, err, _ = run(stub.url, "--schedule", "fast")
        self.assertEqual(code, 0, err)
        self.assertEqual(len(stub.requests), 2)
        self.assertIn("status=400, failed", out[0])

    def test_no_answer_within_the_timeout_is_a_failure(self):
        with StubServer(sleep_first=1, sleep_seconds=3.0) as stub:
            code, out, err, took = run(stub.url, "--schedule", "fast", "--timeout", "1")
        self.assertEqual(code, 0, err)
        self.assertEqual(len(stub.requests), 2)
        self.assertRegex(out[0],
                         r"latency=(9[5-9][0-9]|1[0-9]{3})ms timeout, failed; retry in 30ms")
        self.assertIn("status=200, delivered", out[1])
        self.assertLess(took, 2.5)  # it did not wait for the answer 3 s late

    def test_every_attempt_failing_exits_1(self):
        with StubServer(fail_first=100, fail_status=503) as stub:
            code, out, err, _ = run(stub.url, "--schedule", "none")
        self.assertEqual(code, 1)
        self.assertEqual(len(stub.requests), 1)
        self.assertEqual(len(out), 1)
        self.assertIn("status=503, failed; giving up", out[0])
        self.assertEqual(err, ["megaport-webhook-send: not delivered after 1 attempt"])

    def test_a_refused_connection_is_a_failure(self):
        code, out, _, _ = run(f"http://127.0.0.1:{free_port()}/", "--schedule", "none")
        self.assertEqual(code, 1)
        self.assertIn("connection refused, failed; giving up", out[0])

    def test_body_file_is_sent_byte_for_byte(self):
        raw = b'{"type" : "x",\r\n "note": "\xe2\x82\xac"}\n\x00 trailing \xff bytes'
        with tempfile.TemporaryDirectory() as tmp, StubServer() as stub:
            path = os.path.join(tmp, "body.bin")
            with open(path, "wb") as f:
                f.write(raw)
            code, out, err, _ = run(stub.url, "--body", path, "--schedule", "none")
            empty = os.path.join(tmp, "empty.json")
            open(empty, "wb").close()
            code_empty, _, err_empty, _ = run(stub.url, "--body", empty, "--schedule", "none")
        self.assertEqual(code, 0, err)
        self.assertEqual(code_empty, 0, err_empty)
        self.assertEqual(stub.requests[0].body, raw)
        self.assertEqual(stub.requests[1].body, b"")
        self.assertNotIn("note", "\n".join(out))

    def test_extra_headers_are_added_and_override_defaults(self):
        with StubServer() as stub:
            code, _, err, _ = run(stub.url, "--schedule", "none",
                                  "--header", "Content-Type: text/plain",
                                  "--header", "X-Trace:one",
                                  "--header", "X-Trace:two",
                                  "--header", "WEBHOOK-ID:not-a-uuid")
        self.assertEqual(code, 0, err)
        request = stub.requests[0]
        self.assertEqual(request.values("content-type"), ["text/plain"])
        self.assertEqual(request.values("x-trace"), ["one", "two"])
        self.assertEqual(request.values("webhook-id"), ["not-a-uuid"])
        self.assertRegex(request.header("webhook-timestamp"), r"^[0-9]+$")

    def test_a_given_id_is_used_and_fresh_ids_differ(self):
        fixed = "d4f5a6b7-c8d9-4e0f-a1b2-c3d4e5f6a7b8"
        with StubServer() as stub:
            code, out, err, _ = run(stub.url, "--schedule", "none", "--id", fixed)
            self.assertEqual(code, 0, err)
            run(stub.url, "--schedule", "none")
            run(stub.url, "--schedule", "none")
        ids = [r.header("webhook-id") for r in stub.requests]
        self.assertEqual(ids[0], fixed)
        self.assertIn(f"id={fixed}", out[0])
        self.assertNotEqual(ids[1], ids[2])

    def test_bad_usage_is_one_line_on_stderr_and_exit_2(self):
        with tempfile.TemporaryDirectory() as tmp, StubServer() as stub:
            body = os.path.join(tmp, "body.json")
            with open(body, "w") as f:
                f.write("{}")
            cases = [
                [stub.url, "--bogus"],
                [stub.url, "--id", "not-a-uuid"],
                [stub.url, "--schedule", "slow"],
                [stub.url, "--timeout", "0"],
                [stub.url, "--timeout", "five"],
                [stub.url, "--timestamp", "-5"],
                [stub.url, "--timestamp", "1736942400.5"],
                [stub.url, "--event", "service_provisioned"],
                [stub.url, "--body", body, "--event", "unknown"],
                [stub.url, "--header", "no-colon"],
                [stub.url, "--header", ":empty-name"],
                [stub.url, "--body", os.path.join(tmp, "missing.json")],
                [stub.url, "--body", tmp],
                ["ftp://127.0.0.1/"],
                ["127.0.0.1:8080/no-scheme"],
                [],
            ]
            for args in cases:
                with self.subTest(args=args):
                    code, out, err, _ = run(*args)
                    self.assertEqual(code, 2)
                    self.assertEqual(out, [])
                    self.assertEqual(len(err), 1, err)
                    self.assertTrue(err[0].startswith("megaport-webhook-send: "), err)
        self.assertEqual(stub.requests, [])

    def test_help_lists_the_flags(self):
        code, out, _, _ = run("--help")
        self.assertEqual(code, 0)
        for flag in ["--body", "--event", "--id", "--timestamp", "--schedule", "--timeout",
                     "--header", "--insecure", "--secret"]:
            self.assertIn(flag, "\n".join(out))

    def test_a_secret_signs_every_attempt(self):
        secret = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"
        with StubServer(fail_first=1, fail_status=503) as stub:
            code, _, err, _ = run(stub.url, "--schedule", "fast", "--secret", secret)
            self.assertEqual(code, 0, err)
            unsigned_code, _, err, _ = run(stub.url, "--schedule", "none")
            self.assertEqual(unsigned_code, 0, err)
        self.assertEqual(len(stub.requests), 3)

        # Checked with Python's own HMAC: key = base64 of the secret, content = id.ts.body.
        key = base64.b64decode(secret[len("whsec_"):])
        for request in stub.requests[:2]:
            content = (request.header("webhook-id") + "." + request.header("webhook-timestamp")
                       + ".").encode("ascii") + request.body
            mac = base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()
            self.assertEqual(request.header("webhook-signature"), "v1," + mac)
        self.assertEqual(stub.requests[2].values("webhook-signature"), [])

        for bad in ["whsec_", "whsec_!!!notbase64!!!", "C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
                    "whsec_AAECAwQFBgcICQoLDA0O"]:
            with self.subTest(secret=bad):
                code, out, err, _ = run("http://127.0.0.1:9/", "--secret", bad)
                self.assertEqual(code, 2, err)
                self.assertEqual(out, [])
                self.assertEqual(len(err), 1, err)
                self.assertIn("--secret: ", err[0])

    def test_https_verifies_the_certificate_unless_insecure(self):
        with tempfile.TemporaryDirectory() as tmp:
            cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
            subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                            "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out",
                            cert, "-days", "1", "-subj", "/CN=127.0.0.1"],
                           check=True, capture_output=True)
            with StubServer(tls_context=tls_context(cert, key)) as stub:
                refused, out_refused, _, _ = run(stub.url, "--schedule", "none")
                code, out, err, _ = run(stub.url, "--schedule", "none", "--insecure")
        self.assertEqual(refused, 1)
        self.assertIn("TLS", out_refused[0])
        self.assertEqual(code, 0, err)
        self.assertEqual(len(stub.requests), 1)
        self.assertEqual(stub.requests[0].header("content-type"), "application/json")


if __name__ == "__main__":
    SENDER = sys.argv.pop(1)
    unittest.main()
