"""Small pieces a user relies on: normalisation, prompts, rendering, atomic writes, cache."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rewriter.cache import ResponseCache
from rewriter.errors import PromptError
from rewriter.items import iso_utc
from rewriter.normalise import normalise_text, source_hash
from rewriter.output import atomic_write
from rewriter.prompts import Prompt, load_prompt
from rewriter.render import describe, dump_yaml, order_front_matter
from rewriter.settings import CacheMode
from tests.conftest import SEED_ARTICLE


def test_seed_mojibake_is_repaired():
    text = SEED_ARTICLE.read_text(encoding="utf-8")
    assert "seizingâ€¦" in text
    assert normalise_text(text).count("seizing…") == 1
    assert "â€" not in normalise_text(text)


def test_html_becomes_paragraphs_and_scripts_vanish():
    html = "<p>Korea&#39;s  convictions</p><script>alert(1)</script><p>$15&nbsp;million</p>"
    assert normalise_text(html) == "Korea's convictions\n\n$15 million"


def test_curly_quotes_are_kept():
    assert normalise_text("“USDC” isn’t") == "“USDC” isn’t"


def test_source_hash_is_16_hex_digits():
    assert len(source_hash("x")) == 16 and int(source_hash("x"), 16) >= 0


def test_iso_utc():
    assert iso_utc(1763142409) == "2025-11-14T17:46:49.000Z"
    assert iso_utc("2023-03-13T10:13:51.231+00:00") == "2023-03-13T10:13:51.231Z"
    with pytest.raises(ValueError):
        iso_utc("yesterday")


def test_description_cut_at_a_word_boundary():
    overview = "word " * 60
    cut = describe(overview)
    assert cut.endswith("word…") and len(cut) <= 176
    assert describe("Short overview.") == "Short overview."


def test_article_text_is_never_a_template():
    prompt = load_prompt()
    nasty = "Price {{ title }} ${amount} {x} $title {{article}}"
    messages = prompt.render(
        {"title": "T", "subtitle": "", "published": "1 May 2025", "source": "S", "category": "C", "source_words": "9",
         "overview_words": "20-50", "paragraphs": "one paragraph", "bullets": "three", "article": nasty}
    )
    assert nasty in messages[1]["content"]


def test_missing_variables_are_all_listed(tmp_path):
    prompt = Prompt(tmp_path, "{{ a }} {{ b }}", "{{ c }}", 1, "Impact")
    with pytest.raises(PromptError, match="missing template variable\\(s\\): a, b, c"):
        prompt.render({})


def test_front_matter_order_keeps_extras_where_they_were():
    values = {"ai": 1, "title": "t", "tags": [], "editor": "e", "draft": False, "first": 0}
    ordered = order_front_matter(values, ["first", "title", "tags", "editor"])
    assert list(ordered) == ["first", "title", "tags", "editor", "draft", "ai"]


def test_yaml_is_utf8_text():
    assert dump_yaml({"t": "Korea’s … “x”"}) == "t: Korea’s … “x”\n"


def test_atomic_write_leaves_the_old_file_when_the_write_fails(tmp_path, monkeypatch):
    target = tmp_path / "a.md"
    target.write_text("old", encoding="utf-8")

    def boom(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        atomic_write(target, "new")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.md"]


def test_cache_folder_is_private_and_values_are_json(tmp_path):
    cache = ResponseCache(tmp_path / "c", CacheMode.USE)
    cache.set("rewriter:chat:v1:abc", {"content": "ü"})
    assert oct((tmp_path / "c").stat().st_mode & 0o777) == "0o700"
    assert cache.get("rewriter:chat:v1:abc") == {"content": "ü"}
    exported = tmp_path / "e.jsonl"
    assert cache.export(exported) == 1
    other = ResponseCache(tmp_path / "d")
    assert other.import_(exported) == 1 and other.get("rewriter:chat:v1:abc") == {"content": "ü"}


def test_cache_modes(tmp_path):
    ResponseCache(tmp_path / "c").set("k", {"v": 1})
    assert ResponseCache(tmp_path / "c", CacheMode.REFRESH).get("k") is None
    assert ResponseCache(tmp_path / "c", CacheMode.OFF).get("k") is None
    ResponseCache(tmp_path / "c", CacheMode.REPLAY).set("k2", {"v": 2})
    assert ResponseCache(tmp_path / "c").get("k2") is None


def test_cache_import_names_the_bad_line(tmp_path):
    bad = Path(tmp_path / "bad.jsonl")
    bad.write_text('{"key": "rewriter:chat:v1:a", "value": {}}\nnot json\n', encoding="utf-8")
    with pytest.raises(Exception, match="bad.jsonl:2: not JSON"):
        ResponseCache(tmp_path / "c").import_(bad)


def test_raw_newlines_inside_answer_strings_are_accepted():
    from rewriter.answer import parse_answer

    raw = '{"overview": "Line one\nline two", "what_happened": ["p\tq"], "impact": ["a", "b", "c"], "sentiment": "NEUTRAL"}'
    answer = parse_answer(raw)
    assert answer.overview == "Line one line two" and answer.what_happened == ["p q"]


@pytest.mark.parametrize("name", ["../escape.md", "/etc/escape.md", "a/../../b.md", "a//b.md", "./a.md", ""])
def test_inside_refuses_names_that_are_not_plain_relative_paths(tmp_path, name):
    """A second line of defence: article_name never makes these, and inside() refuses them anyway."""
    from rewriter.output import UnsafePath, inside

    with pytest.raises(UnsafePath, match="refusing to write outside"):
        inside(tmp_path.resolve(), name)
    assert inside(tmp_path.resolve(), "a/b.md") == tmp_path.resolve() / "a" / "b.md"


def test_a_cancelled_async_write_leaves_nothing_and_closes_every_descriptor(tmp_path, monkeypatch):
    """Cancelled while its fsync runs: no file, no temporary file, no descriptor left open."""
    import asyncio
    import os
    import threading

    from rewriter import output

    release = threading.Event()
    real_fsync = os.fsync
    synced = []

    def slow_fsync(fd):
        release.wait(5)
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))  # still the article's file, not a reused number
        real_fsync(fd)

    async def main():
        task = asyncio.ensure_future(output.atomic_write_async(tmp_path / "a.md", "text\n"))
        await asyncio.sleep(0.1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        reused = os.open(tmp_path / "other", os.O_CREAT | os.O_WRONLY)  # takes the freed number
        release.set()
        await asyncio.sleep(0.2)  # the shielded fsync finishes and closes its own descriptor
        os.close(reused)

    before = set(os.listdir("/proc/self/fd"))
    monkeypatch.setattr(os, "fsync", slow_fsync)
    asyncio.run(main())
    # The article's file, named (".a.md.….tmp") or not ("#inode", O_TMPFILE), never "other".
    assert len(synced) == 1 and synced[0].startswith(str(tmp_path)) and synced[0].endswith("(deleted)")
    assert "other" not in synced[0]
    assert [p.name for p in tmp_path.iterdir()] == ["other"]  # no article, no temporary file
    assert set(os.listdir("/proc/self/fd")) <= before


def test_every_setting_is_documented_in_the_readme_and_env_example() -> None:
    """A setting a user cannot find is a setting they cannot use."""
    from rewriter.settings import Settings

    root = Path(__file__).resolve().parent.parent
    readme = (root / "README.md").read_text(encoding="utf-8")
    example = (root / ".env.example").read_text(encoding="utf-8")
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        env = alias.choices[0] if alias is not None else f"REWRITER_{name.upper()}"  # type: ignore[union-attr]
        assert f"`{env}`" in readme, f"{env} is not in README.md's settings"
        assert env in example, f"{env} is not in .env.example"
