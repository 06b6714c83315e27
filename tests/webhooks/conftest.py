"""A tiny webhook receiver on loopback: records every request and answers the statuses it is
given, in order (then 200)."""

import http.server
import threading
import time
from collections import deque

import pytest


class Receiver:
    def __init__(self):
        self.requests = []
        self.statuses = deque()
        self.first_delay = 0.0
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append({"headers": dict(self.headers), "body": body})
                if receiver.first_delay:
                    delay, receiver.first_delay = receiver.first_delay, 0.0
                    time.sleep(delay)
                status = receiver.statuses.popleft() if receiver.statuses else 200
                reply = b'{"ok": true}' if status < 300 else b"upstream exploded"
                self.send_response(status)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/portal"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def answer(self, *statuses):
        self.statuses.extend(statuses)

    def delay_first(self, seconds):
        """Hold the answer to the next request for ``seconds``."""
        self.first_delay = seconds

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()
