"""A small web server on 127.0.0.1 serving article pages and hostile ones.

Each path maps to a `Route` (status, headers, body, and fault switches:
a delay, a drip of bytes, an endless body); every request is recorded with
its headers, so tests can assert what a polite fetcher sent. Used by the
full-text tests and bench/fulltext.py; binds nothing but 127.0.0.1.
"""

from __future__ import annotations

import gzip
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

PAGES = Path(__file__).parent / "fixtures" / "pages"


def fixture_page(name: str) -> bytes:
    """One of the article pages written for the tests (fictional news sites,
    chrome and all), as served."""
    return gzip.decompress((PAGES / f"{name}.html.gz").read_bytes())


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "text/html; charset=utf-8"})
    delay: float = 0.0  # seconds before answering
    drip: float = 0.0  # seconds between single bytes of the body
    endless: bool = False  # a chunked body that never ends
    etag: str | None = None  # answer 304 to a matching If-None-Match


class PageServer:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.active = 0
        self.most_active = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                with server.lock:
                    server.requests.append({"path": self.path, "headers": dict(self.headers)})
                    server.active += 1
                    server.most_active = max(server.most_active, server.active)
                try:
                    self._answer(server.routes.get(self.path) or Route(b"not found", 404, {"Content-Type": "text/plain"}))
                except (BrokenPipeError, ConnectionResetError):
                    pass
                finally:
                    with server.lock:
                        server.active -= 1

            def _answer(self, route: Route) -> None:
                if route.delay:
                    time.sleep(route.delay)
                if route.etag and self.headers.get("If-None-Match") == route.etag:
                    self.send_response(304)
                    self.send_header("ETag", route.etag)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(route.status)
                for name, value in route.headers.items():
                    self.send_header(name, value)
                if route.etag:
                    self.send_header("ETag", route.etag)
                if route.endless:
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    chunk = b"<p>" + b"more " * 2000 + b"</p>"
                    while True:
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                if "Content-Length" not in route.headers:
                    self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                if route.drip:
                    for byte in route.body:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(route.drip)
                else:
                    self.wfile.write(route.body)

        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.base = f"http://{host}:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def paths(self) -> list[str]:
        return [r["path"] for r in self.requests]

    def __enter__(self) -> PageServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
