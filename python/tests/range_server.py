"""A static file server on 127.0.0.1 that answers HTTP range requests
(``bytes=A-B``, ``bytes=A-``, ``bytes=-N``) and counts requests and body
bytes, for the remote-file tests and ``benches/remote.py`` (which runs
``samtools faidx`` against the same server). The standard library's
``http.server`` ignores ``Range``; this handler is the little it lacks.

Run alone: ``python3 range_server.py DIR [PORT]`` serves DIR and prints
its URL and, at exit, its counts.
"""

from __future__ import annotations

import http.server
import os
import re
import sys
import threading
from typing import Any

_RANGE = re.compile(r"bytes=(\d*)-(\d*)$")


class RangeServer:
    """Serve ``directory`` in a thread; ``requests``, ``bytes`` and
    ``log`` (method, path, range, bytes sent) count what was asked."""

    def __init__(self, directory: str | os.PathLike[str], port: int = 0) -> None:
        self.directory = os.fspath(directory)
        self.requests = 0
        self.bytes = 0
        self.log: list[tuple[str, str, str | None, int]] = []
        self._lock = threading.Lock()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_HEAD(self) -> None:
                self._serve(head=True)

            def do_GET(self) -> None:
                self._serve(head=False)

            def _serve(self, head: bool) -> None:
                path = os.path.join(server.directory, self.path.split("?")[0].lstrip("/"))
                wanted = self.headers.get("Range")
                if not os.path.isfile(path):
                    self._send(404, {}, b"not found", head, wanted)
                    return
                with open(path, "rb") as f:
                    data = f.read()
                size = len(data)
                headers = {"Accept-Ranges": "bytes"}
                match = _RANGE.match(wanted or "")
                if not match:
                    self._send(200, headers, data, head, wanted)
                    return
                a, b = match.groups()
                if a == "":
                    start, end = max(size - int(b or 0), 0), size - 1
                else:
                    start, end = int(a), min(int(b), size - 1) if b else size - 1
                if size == 0 or start > end or start >= size:
                    headers["Content-Range"] = f"bytes */{size}"
                    self._send(416, headers, b"", head, wanted)
                    return
                headers["Content-Range"] = f"bytes {start}-{end}/{size}"
                self._send(206, headers, data[start : end + 1], head, wanted)

            def _send(
                self, code: int, headers: dict[str, str], body: bytes, head: bool, wanted: str | None
            ) -> None:
                self.send_response(code)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                sent = 0
                if not head:
                    # In pieces, counting what was written before a client
                    # that read enough closes the connection (htslib does).
                    try:
                        for at in range(0, len(body), 1 << 16):
                            self.wfile.write(body[at : at + (1 << 16)])
                            sent += min(1 << 16, len(body) - at)
                    except (BrokenPipeError, ConnectionResetError):
                        self.close_connection = True
                with server._lock:
                    server.requests += 1
                    server.bytes += sent
                    server.log.append((self.command, self.path, wanted, sent))

        class Quiet(http.server.ThreadingHTTPServer):
            def handle_error(self, request: Any, client_address: Any) -> None:
                # A client closing its connection is not the server's error.
                if not isinstance(sys.exc_info()[1], (ConnectionError, BrokenPipeError)):
                    super().handle_error(request, client_address)

        self._httpd = Quiet(("127.0.0.1", port), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/{name}"

    def reset(self) -> None:
        with self._lock:
            self.requests = 0
            self.bytes = 0
            self.log.clear()

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> RangeServer:
        return self

    def __exit__(self, *args: object) -> None:
        self.close()


if __name__ == "__main__":
    srv = RangeServer(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 0)
    print(srv.url(""), flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        print(f"{srv.requests} requests, {srv.bytes} bytes", file=sys.stderr)
        srv.close()
