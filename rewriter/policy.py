"""Every timeout, retry count and limit in one place.

Other modules import these names instead of spelling literals, so a reviewer
can see (and change) the whole operating envelope of the tool on one page.
"""

from __future__ import annotations

# --- the model call -------------------------------------------------------
#: The model asked on an OpenAI-compatible server when REWRITER_MODEL is unset.
DEFAULT_OPENAI_MODEL = "gpt-4o-mini"
#: Seconds one HTTP request to the model may take before it is abandoned.
REQUEST_TIMEOUT_S = 120.0
#: Seconds to wait for a TCP connection to the model server.
CONNECT_TIMEOUT_S = 5.0
#: Transport retries done by the openai client itself (408/409/429/5xx,
#: honouring Retry-After). We never write a second loop for these.
TRANSPORT_RETRIES = 2
#: How many answers we ask for in total before giving up on an item: the first
#: ask plus re-asks after a validation or grounding failure.
ANSWER_ATTEMPTS = 3
#: Whether the embedded model is re-asked after the review finds a problem in
#: a valid answer (`REWRITER_REVIEW_REASKS`; servers always are). SmolLM2-135M
#: never turned a draft publishable on a re-ask: 0 of 20 items after 2.9
#: answers an item (bench/README.md, "Quality"), and those re-asks were two
#: thirds of the main job's time. It is still re-asked after an answer it cut
#: off or that is not valid JSON, so a loop does not fail the item at once.
EMBEDDED_REVIEW_REASKS = False
#: Upper bound on generated tokens for one answer. Enough for the three
#: sections of a seed-sized item; a truncated answer is an error, not an article.
MAX_TOKENS = 1024
#: Sampling settings sent with every request (and part of the cache key).
TEMPERATURE = 0.2
#: A fixed sampling seed: the same request gets the same answer from a server
#: that honours it (llama.cpp does), so prompt comparisons are not drowned in
#: sampling noise and a recorded cache can be recorded again.
SEED = 42
#: Shortest and longest text, in characters, a grammar-driven server may
#: generate for each field (llama.cpp's `json_object` + schema). The minimum
#: rules out a bare label, and is no higher because a small model held to a
#: longer one when it wants to stop fills the rest with a loop. The maximum
#: ends a loop ("13 March 2023, 13 March 2023, ...") with a full stop, so it
#: becomes a reviewable answer instead of one cut off at `MAX_TOKENS`.
DECODE_CHARS = {"overview": (100, 600), "paragraph": (30, 400), "bullet": (20, 250)}
#: List lengths a grammar-driven server may generate: inside the article's
#: limits, and shorter, because a small model fills every place it is given
#: and then repeats itself. One spare bullet can still be dropped.
DECODE_WHAT_HAPPENED_PARAGRAPHS = (1, 2)
DECODE_IMPACT_BULLETS = (3, 4)
#: Upper bound on generated tokens for an answer held by that grammar: its
#: longest answer, one token a character (the worst case: SmolLM2 spells a
#: figure one digit a token), and 200 for the JSON around the texts. A loop
#: then ends in the grammar's full stop, as a reviewable (and cacheable) draft,
#: instead of being cut off at `MAX_TOKENS` and failing the item.
GRAMMAR_MAX_TOKENS = (
    DECODE_CHARS["overview"][1]
    + DECODE_WHAT_HAPPENED_PARAGRAPHS[1] * DECODE_CHARS["paragraph"][1]
    + DECODE_IMPACT_BULLETS[1] * DECODE_CHARS["bullet"][1]
    + 200
)

# --- verifying the claims (rewriter.verify) --------------------------------
#: Whether each answer's sentences are checked against the source by a second
#: request (`REWRITER_VERIFY`): on for servers, off for the embedded model,
#: whose 135M parameters cannot judge support (it writes valid JSON, not
#: judgements), so the request would only cost time.
EMBEDDED_VERIFY = False
#: Upper bound on the verifier's answer: a label, a quote of at most 20
#: words and a short note for each of some 15 sentences.
VERIFY_MAX_TOKENS = 1536
#: How closely a verifier's quote must match the item's text (rapidfuzz's
#: partial_ratio, 0-100, after folding case, quote marks and spaces): high
#: enough that a paraphrase is not a quote, low enough that a dropped comma
#: or an elided word is.
VERIFY_QUOTE_MATCH = 90
#: A quote shorter than this (after folding) supports nothing: "the", "SEC".
VERIFY_MIN_QUOTE_CHARS = 8

# --- the article ----------------------------------------------------------


#: The description is the overview cut at a word boundary to this many
#: characters, then an ellipsis is added (so at most 176 in all).
DESCRIPTION_MAX_CHARS = 175
#: Widest limits of any article (the answer's schema and `rewriter check`);
#: what one item's article is asked for, and reviewed against, is
#: `ARTICLE_SIZES`' row for its source.
OVERVIEW_WORDS = (40, 90)
WHAT_HAPPENED_PARAGRAPHS = (1, 3)
IMPACT_BULLETS = (3, 6)
#: The article fits its source (`rewriter.sizing`): by the words of the
#: item's title, subtitle and body, (at least that many source words,
#: overview words, what-happened paragraphs, impact bullets). A wire item of
#: one or two sentences (the median RSS item has under 40 words) carries a
#: short overview and one paragraph: asked for the full 40-90 words and two
#: paragraphs, a capable model padded with sentences about the item itself
#: ("The report was published on 10 March 2023") or invented (issue 19).
#: Impact stays three bullets, the fewest `rewriter check` accepts.
ARTICLE_SIZES: tuple[tuple[int, tuple[int, int], tuple[int, int], int], ...] = (
    (0, (20, 50), (1, 1), 3),
    (80, (30, 70), (1, 2), 3),
    (200, (40, 90), (2, 3), 3),
)
#: An overview shorter than this is not published, even after dropping
#: unsupported sentences; longer than its size's maximum by half is blocked
#: too (within that it is published, and not re-asked).
MIN_OVERVIEW_WORDS = 15
OVERVIEW_OVERRUN = 1.5
#: The hedges an Impact bullet is asked to carry, named by the review's
#: re-asks (the review also accepts likely, suggests, points to, ...:
#: `rewriter.gate.impact`).
IMPACT_HEDGES = ("may", "could", "might")
#: Longest text we accept for one field of the answer (keeps runaway output
#: from becoming an article).
ANSWER_FIELD_MAX_CHARS = 1500

# --- inputs ---------------------------------------------------------------
#: Largest input file we read. Feeds are streamed item by item; this bounds a
#: single Markdown draft or JSON document that must be held whole.
MAX_INPUT_BYTES = 20 * 1024 * 1024
#: Seconds allowed to fetch a feed over http(s).
FEED_FETCH_TIMEOUT_S = 30.0
#: Longest slug used in an output file name.
SLUG_MAX_CHARS = 80
#: Largest feed or JSON document we parse whole (feedparser, a {"Data": [...]}
#: document). JSON Lines are streamed and have no overall limit.
MAX_FEED_DOCUMENT_BYTES = 256 * 1024 * 1024
#: Category of an item whose input names none.
DEFAULT_CATEGORY = "NEWS"

# --- the batch job --------------------------------------------------------
#: Requests in flight at once (`--concurrency`).
DEFAULT_CONCURRENCY = 8
MAX_CONCURRENCY = 256
#: Items in progress per request in flight: while one item is reviewed,
#: rendered and written, another holds its request, so the server always
#: has `--concurrency` requests to work on; memory stays bounded by this
#: many items per request.
ITEMS_PER_REQUEST = 2
#: Report entries a batch run keeps in memory; beyond that they wait in a
#: temporary file in the output folder, so a 50,000-item run stays small.
REPORT_ENTRIES_IN_MEMORY = 1000
#: Seconds between progress lines when stderr is not a terminal.
PROGRESS_LINE_INTERVAL_S = 5.0
#: Longest list of reasons a draft's line on the terminal shows; the rest is
#: in the article's `ai.warnings` and the report.
DRAFT_LINE_CHARS = 600

# --- the batch job through a Batch API (--via batch-api, --export-requests) ----
#: Limits of one Batch input file (OpenAI's): `--file-lines` and `--file-mb`
#: may set lower ones.
BATCH_FILE_MAX_LINES = 50_000
BATCH_FILE_MAX_MB = 200
#: Seconds before the first poll of a batch in flight (`--poll`), then each
#: wait is `BATCH_POLL_BACKOFF` times longer, up to `BATCH_POLL_MAX_S`: a
#: hosted batch takes minutes to hours of its 24-hour window, so polling every
#: minute at first and every 10 minutes later costs a few hundred requests.
BATCH_POLL_FIRST_S = 60.0
BATCH_POLL_BACKOFF = 1.5
BATCH_POLL_MAX_S = 600.0
#: Most rounds of Batch lines one `rewriter batch --via batch-api` run
#: submits (`REWRITER_BATCH_ROUNDS`). A line the Batch API did not deliver (expired, cancelled, 5xx,
#: rate-limited) goes into the next round without using up an answer
#: (`REWRITER_ATTEMPTS` counts answers); what is still missing after this many
#: rounds fails its item with a message to rerun, and the rerun sends it. Ten
#: rounds hold three answers an item with room for a few expiries each, and
#: bound a run that a provider keeps expiring (each expiry can take 24 hours).
BATCH_MAX_ROUNDS = 10
#: Estimated prices, US dollars per million tokens (input, output) at the
#: standard rate; the Batch API bills `1 - BATCH_DISCOUNT` of it. Override with
#: REWRITER_PRICE_IN / REWRITER_PRICE_OUT / REWRITER_BATCH_DISCOUNT.
PRICES_PER_MILLION = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1": (2.00, 8.00),
}
BATCH_DISCOUNT = 0.5

# --- the cache ------------------------------------------------------------
#: Bumped when the layout of the cache key changes, so old entries never
#: answer a request they were not recorded for.
CACHE_KEY_VERSION = "v1"
CACHE_SIZE_LIMIT_BYTES = 4 * 1024**3

# --- the embedded local model ---------------------------------------------
#: Requests the embedded llama.cpp server decodes at once
#: (`REWRITER_LOCAL_SLOTS`): continuous batching shares each step's weights
#: between slots, so on a CPU several slots give more tokens per second in all
#: than one. On 2 cores, 20 feed items: 5.6 items/min on 1 slot, 7.3 on 2,
#: 6.7 on 4 (and 200 MB more); bench/README.md ("Embedded model").
LOCAL_SLOTS = 2
MAX_LOCAL_SLOTS = 16
#: Context of each slot, in tokens (prompt + answer); the server's whole
#: context is slots x this.
LOCAL_CONTEXT_TOKENS = 4096
#: Repetition penalty of the embedded server, over its last 64 tokens: what
#: llama-cpp-python's server applied by default. llama.cpp's own default is
#: none, and SmolLM2 then loops on one sentence until the length bound.
LOCAL_REPEAT_PENALTY = 1.1

# --- full text: the page an item links to (--full-text) --------------------
#: An item whose own text (title, description, body) has fewer words than this
#: is thin: `--full-text` fetches the page it links to.
FULL_TEXT_THIN_WORDS = 80
#: trafilatura's precision mode keeping fewer words than this: ask its default mode.
PAGE_FALLBACK_WORDS = 50
#: Where the fetcher says it comes from (its User-Agent names rewriter and this).
PROJECT_URL = "https://github.com/rewriter-dev/rewriter"
#: Requests to one host at once, whatever `--concurrency` is.
PAGE_REQUESTS_PER_HOST = 2
#: Seconds to connect, and between two reads of a page.
PAGE_CONNECT_TIMEOUT_S = 10.0
PAGE_READ_TIMEOUT_S = 15.0
#: Seconds one page may take in all, redirects and robots.txt included
#: (`REWRITER_PAGE_TIMEOUT`): ends a server that drips a byte at a time.
PAGE_TIMEOUT_S = 30.0
PAGE_MAX_REDIRECTS = 5
PAGE_MAX_BYTES = 5 * 1024 * 1024
#: robots.txt larger than this is read up to here (Google reads 500 KiB).
ROBOTS_MAX_BYTES = 512 * 1024
PAGE_CONTENT_TYPES = ("text/html", "application/xhtml+xml")
#: A page is the item's when at least this share of the item title's words
#: appear in the page's title or opening, and its text has at least
#: `PAGE_MIN_WORDS` words: a paywall, a consent wall or a "not found" page
#: served with 200 fails one or the other.
PAGE_MATCH_SHARE = 0.5
PAGE_MATCH_OPENING_WORDS = 300
PAGE_MIN_WORDS = 80
#: Words of a page's text given to the model, cut at a paragraph: a long
#: page would not fit the embedded model's context (LOCAL_CONTEXT_TOKENS).
PAGE_MAX_WORDS = 1200
