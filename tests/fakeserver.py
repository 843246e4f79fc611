"""A small OpenAI-compatible chat server on 127.0.0.1 with fault switches.

It records every request and answers from a queue of `Reply` objects; when
the queue is empty it answers with `default` (a function of the request).
Used by the tests and by bench/batch.py; binds nothing but 127.0.0.1.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, TypeVar

GOOD_ANSWER = {
    "overview": (
        "The U.S. Department of Justice said it has secured several criminal convictions tied to "
        "North Korea's cryptocurrency operations and collected another $15 million in proceeds from "
        "North Korean crypto heists, as part of a continuing effort to disrupt the financial networks "
        "that support the regime and to recover stolen funds."
    ),
    "what_happened": [
        "The Justice Department announced several criminal convictions linked to North Korea's crypto operations.",
        "Authorities also reported collecting another $15 million in proceeds from North Korean crypto heists.",
    ],
    "impact": [
        "Law enforcement may keep raising the cost of laundering stolen crypto.",
        "Exchanges may face closer checks on flows tied to sanctioned actors.",
        "Recovered proceeds suggest that on-chain funds can be traced and seized.",
    ],
    "sentiment": "NEGATIVE",
}


#: An answer with no figures at all: grounded for any story.
PLAIN_ANSWER = {
    "overview": (
        "Markets reacted to the latest developments as investors weighed what the news means for "
        "digital assets, banks and regulators, with traders watching closely for further statements "
        "from the companies and authorities involved before taking new positions in the days ahead."
    ),
    "what_happened": ["The companies and authorities involved described the situation in public statements."],
    "impact": [
        "Traders may stay cautious until more details emerge.",
        "Regulators could look more closely at the firms involved.",
        "Confidence in affected platforms may take time to recover.",
    ],
    "sentiment": "NEUTRAL",
}


def answer_for(request: dict[str, Any]) -> dict[str, Any]:
    """GOOD_ANSWER for the seed story (its figures are in the source), else PLAIN_ANSWER;
    a verification request gets every sentence supported (`supported_verdict`)."""
    if is_verification(request):
        return supported_verdict(request)
    story = json.dumps(request.get("messages", []))
    return GOOD_ANSWER if "$15 million" in story else PLAIN_ANSWER


def is_verification(request: dict[str, Any]) -> bool:
    """A claim-verification request (rewriter.verify), by its schema's name."""
    return (request.get("response_format") or {}).get("json_schema", {}).get("name") == "verify"


def numbered_sentences(request: dict[str, Any]) -> list[tuple[int, str, str]]:
    """The sentences a verification request numbers: (n, section, text)."""
    text = request["messages"][-1]["content"].split("Article sentences:", 1)[1]
    found = []
    for line in text.strip().splitlines():
        number, _, rest = line.partition(". (")
        if number.isdigit():
            section, _, sentence = rest.partition(") ")
            found.append((int(number), section, sentence))
    return found


def supported_verdict(request: dict[str, Any], unsupported: tuple[int, ...] = ()) -> dict[str, Any]:
    """Every sentence supported, quoting the sentence's own longest shared run of the item,
    except the numbers in `unsupported`."""
    item = request["messages"][-1]["content"].split("News item:", 1)[1].split("Article sentences:", 1)[0]
    labels = []
    for n, section, sentence in numbered_sentences(request):
        if n in unsupported:
            labels.append({"n": n, "label": "unsupported", "quote": "", "note": "the item does not say this"})
        elif section == "impact":
            labels.append({"n": n, "label": "inference", "quote": item.strip().split("\n")[0][:80], "note": ""})
        else:
            labels.append({"n": n, "label": "supported", "quote": _shared_run(sentence, item), "note": ""})
    return {"sentences": labels}


def _shared_run(sentence: str, item: str) -> str:
    """The longest run of the sentence's words that the item has, as the item writes it."""
    words = sentence.rstrip(".").split()
    for size in range(len(words), 1, -1):
        for start in range(len(words) - size + 1):
            run = " ".join(words[start : start + size])
            at = item.lower().find(run.lower())
            if at >= 0:
                return item[at : at + len(run)]
    return item.strip().split("\n")[0][:80]


@dataclass
class Reply:
    """One scripted answer. Defaults to a valid completion of `content`."""

    content: str | None = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None  # raw body, overrides everything else
    delay: float = 0.0
    finish_reason: str = "stop"
    refusal: str | None = None
    choices: bool = True


def completion(content: str, *, finish_reason: str = "stop", refusal: str | None = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 0,
        "model": "fake-model",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": refusal},
                "finish_reason": finish_reason,
            }
        ],
        "usage": {"prompt_tokens": 100, "completion_tokens": 50, "total_tokens": 150},
    }


_Server = TypeVar("_Server", bound="LoopbackServer")


class LoopbackServer:
    """An HTTP server on 127.0.0.1 and a free port, in a daemon thread; use it with `with`.

    Subclasses give `_handler()` and call `_listen()` once their own state is set.
    """

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        raise NotImplementedError

    def _listen(self) -> None:
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def __enter__(self: _Server) -> _Server:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


class FakeServer(LoopbackServer):
    """Start with `with FakeServer() as server:`; `server.base_url` ends in /v1."""

    def __init__(
        self,
        default: Callable[[dict[str, Any]], Reply] | None = None,
        *,
        latency: float = 0.0,
        reject_json_schema: bool = False,
    ) -> None:
        self.replies: deque[Reply] = deque()
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.default = default or (lambda request: Reply(json.dumps(answer_for(request))))
        self.latency = latency
        self.reject_json_schema = reject_json_schema
        self._lock = threading.Lock()
        #: Requests being answered now, and the most there ever were at once.
        self.in_flight = 0
        self.peak_in_flight = 0
        self._listen()

    def queue(self, *replies: Reply) -> None:
        self.replies.extend(replies)

    def _next(self, request: dict[str, Any]) -> Reply:
        with self._lock:
            self.requests.append(request)
            if self.replies:
                return self.replies.popleft()
        return self.default(request)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes; with Nagle's algorithm the
            # body waits for the client's delayed ACK (~40 ms a request), a
            # stall no real server has (uvicorn and llama.cpp set TCP_NODELAY).
            disable_nagle_algorithm = True

            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                self._send(200, json.dumps({"object": "list", "data": [{"id": "fake-model"}]}).encode())

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                request = json.loads(self.rfile.read(length) or b"{}")
                with server._lock:
                    server.headers.append(dict(self.headers))
                fmt = (request.get("response_format") or {}).get("type")
                if server.reject_json_schema and fmt == "json_schema":
                    with server._lock:
                        server.requests.append(request)
                    body = {"error": {"message": "Input should be 'text' or 'json_object'", "type": "invalid_request_error"}}
                    self._send(500, json.dumps(body).encode(), {"x-should-retry": "false"})
                    return
                reply = server._next(request)
                delay = reply.delay or server.latency
                with server._lock:
                    server.in_flight += 1
                    server.peak_in_flight = max(server.peak_in_flight, server.in_flight)
                try:
                    if delay:
                        time.sleep(delay)
                finally:
                    with server._lock:
                        server.in_flight -= 1
                if reply.body is not None:
                    self._send(reply.status, reply.body, reply.headers)
                elif reply.status != 200:
                    body = {"error": {"message": f"fake error {reply.status}", "type": "server_error"}}
                    self._send(reply.status, json.dumps(body).encode(), reply.headers)
                else:
                    payload = completion(reply.content or "", finish_reason=reply.finish_reason, refusal=reply.refusal)
                    if not reply.choices:
                        payload["choices"] = []
                    self._send(200, json.dumps(payload).encode(), reply.headers)

        return Handler
