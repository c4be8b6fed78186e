"""A stub webhook endpoint on a free loopback port, for driving megaport-webhook-send.

It records every request (method, path, headers, body bytes) and can be told to answer the
first N requests with a failure status (with a Location header for 3xx) or to sleep before
answering, so that the sender's retries, redirects and timeouts can be observed.
"""

import http.server
import ssl
import threading
import time


class Recorded:
    """One request as the stub saw it."""

    def __init__(self, method, path, headers, body):
        self.method = method
        self.path = path
        self.headers = headers  # list of (name, value) pairs, in the order sent
        self.body = body
        self.received_at = time.time()

    def values(self, name):
        """Every value sent for the header `name` (compared case-insensitively)."""
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def header(self, name):
        """The single value of header `name`; fails when it was sent zero or several times."""
        found = self.values(name)
        if len(found) != 1:
            raise AssertionError(f"header {name} sent {len(found)} times: {found}")
        return found[0]


class StubServer:
    """A threaded HTTP server on 127.0.0.1 with a chosen misbehaviour."""

    def __init__(self, fail_first=0, fail_status=500, sleep_first=0, sleep_seconds=0.0,
                 tls_context=None):
        self.fail_first = fail_first
        self.fail_status = fail_status
        self.sleep_first = sleep_first
        self.sleep_seconds = sleep_seconds
        self.requests = []
        self._lock = threading.Lock()
        stub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _handle(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length) if length else b""
                with stub._lock:
                    stub.requests.append(
                        Recorded(self.command, self.path, list(self.headers.items()), body))
                    number = len(stub.requests)

                if number <= stub.sleep_first:
                    time.sleep(stub.sleep_seconds)
                status = stub.fail_status if number <= stub.fail_first else 200
                reply = b'{"outcome":"stub"}'
                try:
                    self.send_response(status)
                    if 300 <= status <= 399:
                        self.send_header("Location", f"{stub.url}/redirected-here")
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(reply)))
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.wfile.write(reply)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the sender gave up waiting, as it should

            do_POST = _handle
            do_GET = _handle
            do_PUT = _handle

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        scheme = "http"
        if tls_context is not None:
            self._server.socket = tls_context.wrap_socket(self._server.socket, server_side=True)
            scheme = "https"
        self.port = self._server.server_address[1]
        self.url = f"{scheme}://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.02}, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
        return False

    def paths(self):
        with self._lock:
            return [r.path for r in self.requests]


def tls_context(cert_file, key_file):
    """A server-side TLS context for the stub from a certificate and key in PEM files."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return context
