"""A real static site builds the articles rewriter writes (`examples/site/`).

The example Astro site validates every article's front matter against a zod
schema that mirrors the article format, so these tests write articles with
`rewriter batch` (replaying the committed cache) into a copy of the site and
run `astro build` on them, as a site's CI would. One `npm ci` per session; the
three builds share its node_modules through a symlink.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import frontmatter
import pytest

from tests.conftest import EXAMPLES, repaired_seed_text, run_cli

pytestmark = pytest.mark.site

SITE = EXAMPLES / "site"
#: Astro 5.18's own range: 18.20.8, ^20.3.0, >=22.
MIN_NODE = (20, 3)
NPM_TIMEOUT_S = 600
BUILD_TIMEOUT_S = 300
SEED_FIRST_SENTENCE = (
    "The U.S. Department of Justice (DOJ) has made significant strides in combating North Korea's illicit "
    "financial activities by securing multiple criminal convictions and seizing additional funds linked to "
    "crypto-related crimes."
)


def _node_version() -> tuple[int, ...] | None:
    try:
        out = subprocess.run(["node", "--version"], capture_output=True, text=True, check=False, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.match(r"v(\d+)\.(\d+)", out.strip())
    return (int(match.group(1)), int(match.group(2))) if match else None


def _node_env() -> dict[str, str]:
    return {**os.environ, "ASTRO_TELEMETRY_DISABLED": "1", "NO_COLOR": "1", "CI": "1"}


@pytest.fixture(scope="module")
def node_modules(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site's packages, installed once from its lock file: offline from npm's cache when it can."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are needed to build the example Astro site (Node 20.3+ or 22+)")
    version = _node_version()
    if version is None or (version < MIN_NODE) or version[0] == 21:
        pytest.skip(f"the example site needs Node ^20.3.0 or >=22 (Astro 5); this node is {version}")
    root = tmp_path_factory.mktemp("site-packages")
    for name in ("package.json", "package-lock.json"):
        shutil.copy(SITE / name, root / name)
    env = _node_env()
    quiet = ["--no-audit", "--no-fund", "--loglevel=error"]
    offline = subprocess.run(
        ["npm", "ci", "--offline", *quiet],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=NPM_TIMEOUT_S,
    )
    if offline.returncode != 0:  # npm's cache lacks something: fetch from the registry
        online = subprocess.run(
            ["npm", "ci", *quiet], cwd=root, env=env, capture_output=True, text=True, check=False, timeout=NPM_TIMEOUT_S
        )
        assert online.returncode == 0, f"npm ci failed:\n{online.stdout}\n{online.stderr}"
    return root / "node_modules"


def site_copy(tmp_path: Path, node_modules: Path) -> tuple[Path, Path]:
    """A fresh copy of the example site with an empty content folder; returns (site, content folder)."""
    site = tmp_path / "site"
    shutil.copytree(SITE, site, ignore=shutil.ignore_patterns("node_modules", "dist", ".astro"))
    (site / "node_modules").symlink_to(node_modules, target_is_directory=True)
    content = site / "src" / "content" / "articles"
    for article in content.glob("**/*.md"):  # whatever a local run left there
        article.unlink()
    return site, content


def astro_build(site: Path) -> subprocess.CompletedProcess[str]:
    # --force: the content layer's cache lives in the shared node_modules.
    return subprocess.run(
        ["npx", "--no-install", "astro", "build", "--force"],
        cwd=site, env=_node_env(), capture_output=True, text=True, check=False, timeout=BUILD_TIMEOUT_S,
    )  # fmt: skip


class _Text(HTMLParser):
    """The visible text of a page, with white space collapsed, and its links in order."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.links.append(dict(attrs).get("href") or "")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    @classmethod
    def of(cls, path: Path) -> _Text:
        parser = cls()
        parser.feed(path.read_text(encoding="utf-8"))
        return parser

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.parts).split())


def write_seed_articles(content: Path) -> None:
    """The seed article (mojibake repaired) and an older article derived from it, both publishable."""
    seed = repaired_seed_text()
    (content / "seed-article.md").write_text(seed, encoding="utf-8")
    older = (
        seed.replace("U.S. DOJ Pursues North Korea''s Illicit Money Machine, Seizes More Crypto", "An Older Story About Seizures")
        .replace("'2025-11-14T17:46:49.000Z'", "'2025-11-10T08:00:00.000Z'")
        .replace("externalId: '54398936'", "externalId: '54398000'")
    )  # fmt: skip
    (content / "archive").mkdir()  # a subfolder, as `--name '{source}/{date}-{slug}.md'` makes
    (content / "archive" / "older-article.md").write_text(older, encoding="utf-8")


def test_the_site_builds_the_articles_and_leaves_drafts_out(tmp_path, node_modules):
    site, content = site_copy(tmp_path, node_modules)
    imported = run_cli("cache", "import", str(EXAMPLES / "cache.jsonl"))
    assert imported.returncode == 0, imported.stderr
    batch = run_cli("batch", str(EXAMPLES / "drafts"), "--out", str(content), env={"REWRITER_CACHE_MODE": "replay"})
    assert "Traceback" not in batch.stderr and "no recorded response" not in batch.stderr, batch.stderr
    write_seed_articles(content)

    articles = {
        p.relative_to(content).with_suffix("").as_posix(): frontmatter.load(str(p)) for p in content.rglob("*.md")
    }
    published = {stem for stem, post in articles.items() if post["draft"] is False}
    drafts = set(articles) - published
    assert drafts, "the committed cache should give at least one draft"
    assert {"seed-article", "archive/older-article"} <= published
    # The site's pre-commit hook passes: drafts are skipped, the rest are clean.
    check = run_cli("check", str(content))
    assert check.returncode == 0, check.stdout + check.stderr

    build = astro_build(site)
    assert build.returncode == 0, build.stdout + build.stderr
    dist = site / "dist"
    pages = {p.parent.relative_to(dist / "articles").as_posix() for p in (dist / "articles").rglob("index.html")}
    assert pages == published  # one page per article that is not a draft, none for a draft

    index = _Text.of(dist / "index.html")
    article_links = [link for link in index.links if link.startswith("/articles/")]
    assert article_links[:2] == ["/articles/seed-article/", "/articles/archive/older-article/"]  # newest first
    assert len(article_links) == len(published)
    assert not {f"/articles/{stem}/" for stem in drafts} & set(index.links)

    seed_page = _Text.of(dist / "articles" / "seed-article" / "index.html").text
    assert "U.S. DOJ Pursues North Korea's Illicit Money Machine, Seizes More Crypto" in seed_page
    assert SEED_FIRST_SENTENCE in seed_page
    for heading in ("Overview", "What Happened", "Impact on the crypto market"):
        assert heading in seed_page


@pytest.mark.parametrize(
    ("broken", "field", "fault"),
    [
        (("sentiment: NEGATIVE", "sentiment: MAYBE"), "sentiment", "MAYBE"),
        (("publishedAt: '2025-11-14T17:46:49.000Z'", "publishedAt: 'last Friday'"), "publishedAt", "ISO 8601"),
    ],
    ids=["sentiment-MAYBE", "publishedAt-not-a-date"],
)
def test_a_wrong_type_in_the_front_matter_breaks_the_build_naming_the_file(
    tmp_path, node_modules, broken, field, fault
):
    site, content = site_copy(tmp_path, node_modules)
    seed = repaired_seed_text()
    assert broken[0] in seed
    (content / "seed-article.md").write_text(seed, encoding="utf-8")
    bad = content / "broken-article.md"
    bad.write_text(seed.replace(broken[0], broken[1]).replace("'54398936'", "'54398937'"), encoding="utf-8")

    build = astro_build(site)
    output = build.stdout + build.stderr
    assert build.returncode != 0, output
    assert "InvalidContentEntryDataError" in output
    assert str(bad) in output  # Astro names the file
    assert f"{field}:" in output and fault in output
    assert not (site / "dist" / "index.html").exists()
