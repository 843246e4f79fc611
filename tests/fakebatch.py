"""A fake OpenAI Batch API on 127.0.0.1: files upload and content, batches create/retrieve/list/cancel.

Each created batch takes the next scenario from `scenarios` (then `default`,
"ok" unless set) and
is worked on at its first retrieve, unless `hold` is set (it stays
`in_progress`). Answers come from `answer(body)`, like tests/fakeserver.py.
Online chat requests are counted and refused: a Batch run must send none.
"""

from __future__ import annotations

import email.parser
import email.policy
import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler
from typing import Any, Callable
from urllib.parse import urlsplit

from tests.fakeserver import LoopbackServer, answer_for, completion

SCENARIOS = ("ok", "fail5", "expire_half", "reverse", "errors_only", "validation", "cancelled_half")


def default_answer(body: dict[str, Any]) -> str:
    return json.dumps(answer_for(body))


class FakeBatchServer(LoopbackServer):
    def __init__(
        self, answer: Callable[[dict[str, Any]], str] | None = None, scenarios: list[str] | None = None, default: str = "ok"
    ) -> None:
        self.answer = answer or default_answer
        self.scenarios = list(scenarios or [])
        self.default = default
        #: Requests whose messages mention one of these get a 400 validation error, in any batch.
        self.rejected: tuple[str, ...] = ()
        self.hold = False
        self.files: dict[str, dict[str, Any]] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self.online_requests = 0
        self.created: list[str] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._listen()

    # --- the API --------------------------------------------------------------

    def _file(self, content: bytes, filename: str, purpose: str) -> dict[str, Any]:
        file_id = f"file-{next(self._ids)}"
        self.files[file_id] = {"content": content, "filename": filename, "purpose": purpose}
        return {
            "id": file_id, "object": "file", "bytes": len(content), "created_at": int(time.time()),
            "filename": filename, "purpose": purpose, "status": "processed",
        }  # fmt: skip

    def create_batch(self, request: dict[str, Any]) -> dict[str, Any]:
        batch_id = f"batch_{next(self._ids)}"
        lines = self.files[request["input_file_id"]]["content"].decode().splitlines()
        batch = {
            "id": batch_id, "object": "batch", "endpoint": request["endpoint"], "input_file_id": request["input_file_id"],
            "completion_window": request["completion_window"], "status": "validating", "created_at": int(time.time()),
            "metadata": request.get("metadata"), "output_file_id": None, "error_file_id": None, "errors": None,
            "request_counts": {"total": len(lines), "completed": 0, "failed": 0},
            "_scenario": self.scenarios.pop(0) if self.scenarios else self.default,
        }  # fmt: skip
        self.batches[batch_id] = batch
        self.created.append(batch_id)
        return batch

    def _work(self, batch: dict[str, Any]) -> None:
        """Run a batch to its end, as its scenario says."""
        if batch["status"] not in ("validating", "in_progress", "cancelling"):
            return
        if self.hold and batch["status"] != "cancelling":
            batch["status"] = "in_progress"
            return
        scenario = batch["_scenario"]
        requests = [json.loads(line) for line in self.files[batch["input_file_id"]]["content"].decode().splitlines()]
        if scenario == "validation":
            batch["status"] = "failed"
            batch["errors"] = {"object": "list", "data": [
                {"code": "invalid_request", "message": "model 'fake-model' is not supported by the Batch API", "line": 1, "param": "body.model"}
            ]}  # fmt: skip
            batch["request_counts"] = {"total": 0, "completed": 0, "failed": 0}
            return
        outputs: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        half = (len(requests) + 1) // 2  # the first half (of one line: that line) is done
        for n, request in enumerate(requests, 1):
            custom_id = request["custom_id"]
            if any(word in json.dumps(request["body"]["messages"]) for word in self.rejected):
                errors.append({"id": f"req_{n}", "custom_id": custom_id, "response": {
                    "status_code": 400, "request_id": f"r{n}", "body": {"error": {
                        "message": "Invalid 'messages[1].content': string too long.", "type": "invalid_request_error"}}
                }, "error": None})  # fmt: skip
            elif scenario == "fail5" and n % 5 == 0 or scenario == "errors_only":
                errors.append({"id": f"req_{n}", "custom_id": custom_id, "response": {
                    "status_code": 500, "request_id": f"r{n}", "body": {"error": {"message": "server overloaded", "type": "server_error"}}
                }, "error": None})  # fmt: skip
            elif scenario in ("expire_half", "cancelled_half") and n > half:
                if scenario == "expire_half":
                    errors.append({"id": f"req_{n}", "custom_id": custom_id, "response": None, "error": {
                        "code": "batch_expired", "message": "This request could not be executed before the completion window expired."
                    }})  # fmt: skip
            else:
                body = completion(self.answer(request["body"]))
                body["model"] = request["body"]["model"]
                outputs.append({"id": f"req_{n}", "custom_id": custom_id,
                                "response": {"status_code": 200, "request_id": f"r{n}", "body": body}, "error": None})
        if scenario == "reverse":
            outputs.reverse()
        if outputs:
            batch["output_file_id"] = self._file(_jsonl(outputs), "batch_output.jsonl", "batch_output")["id"]
        if errors:
            batch["error_file_id"] = self._file(_jsonl(errors), "batch_errors.jsonl", "batch_output")["id"]
        batch["request_counts"] = {"total": len(requests), "completed": len(outputs), "failed": len(errors)}
        batch["status"] = {"expire_half": "expired", "cancelled_half": "cancelled"}.get(scenario, "completed")
        if batch.get("_cancel"):
            batch["status"] = "cancelled"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, payload: Any, raw: bytes | None = None) -> None:
                body = raw if raw is not None else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/octet-stream" if raw is not None else "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _public(self, batch: dict[str, Any]) -> dict[str, Any]:
                return {k: v for k, v in batch.items() if not k.startswith("_")}

            def do_GET(self) -> None:
                parts = urlsplit(self.path).path.strip("/").split("/")
                with server._lock:
                    if parts[1:2] == ["batches"] and len(parts) == 2:
                        data = [self._public(b) for b in reversed(list(server.batches.values()))]
                        return self._send(200, {"object": "list", "data": data, "has_more": False})
                    if parts[1:2] == ["batches"] and parts[2] in server.batches:
                        batch = server.batches[parts[2]]
                        server._work(batch)
                        return self._send(200, self._public(batch))
                    if parts[1:2] == ["files"] and len(parts) == 4 and parts[2] in server.files:
                        return self._send(200, None, raw=server.files[parts[2]]["content"])
                self._send(404, {"error": {"message": f"no such thing: {self.path}"}})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                data = self.rfile.read(length)
                parts = urlsplit(self.path).path.strip("/").split("/")
                with server._lock:
                    if parts[1:] == ["files"]:
                        fields = _multipart(self.headers["Content-Type"], data)
                        name, content = fields["file"]
                        return self._send(200, server._file(content, name, fields["purpose"][1].decode()))
                    if parts[1:] == ["batches"]:
                        return self._send(200, self._public(server.create_batch(json.loads(data))))
                    if parts[1:2] == ["batches"] and parts[3:] == ["cancel"] and parts[2] in server.batches:
                        batch = server.batches[parts[2]]
                        batch["status"], batch["_cancel"] = "cancelling", True
                        batch["_scenario"] = "cancelled_half"
                        return self._send(200, self._public(batch))
                    if parts[1:] == ["chat", "completions"]:
                        server.online_requests += 1
                        return self._send(500, {"error": {"message": "online requests are not expected here"}})
                self._send(404, {"error": {"message": f"no such thing: {self.path}"}})

        return Handler


def _jsonl(records: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in records).encode()


def _multipart(content_type: str, data: bytes) -> dict[str, tuple[str | None, bytes]]:
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + data
    )
    fields = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        fields[name] = (part.get_filename(), part.get_payload(decode=True))
    return fields
