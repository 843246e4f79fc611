/**
 * The articles collection: every Markdown file under src/content/articles.
 *
 * The schema mirrors rewriter's article format (the spec, §4) field by field,
 * so Astro rejects at build time any file whose front matter has a wrong
 * type: a bad file breaks the build, with its path in the error, instead of
 * going live. Keys rewriter does not own are allowed where rewriter keeps
 * them: at the top level (keys of an editor's draft stay where they were),
 * inside `ai` (extra provenance such as `model`, `sourceHash`, `warnings`),
 * and inside `coverImage` (carried over from the input as it is).
 */
import { defineCollection, z } from "astro:content";
import { glob } from "astro/loaders";

/** ISO 8601 with a zone, quoted in YAML (`'2025-11-14T17:46:49.000Z'`), as a Date. */
const isoDate = z
  .string({ invalid_type_error: "expected an ISO 8601 time in quotes, like '2025-11-14T17:46:49.000Z'" })
  .datetime({ offset: true, message: "expected an ISO 8601 time like '2025-11-14T17:46:49.000Z'" })
  .transform((value) => new Date(value));

const url = z.string().url();

const articles = defineCollection({
  loader: glob({ pattern: "**/*.md", base: "./src/content/articles" }),
  schema: z
    .object({
      title: z.string().min(1),
      description: z.string().min(1),
      publishedAt: isoDate,
      updatedAt: isoDate,
      lang: z.string().min(2),
      externalId: z.string().min(1),
      source: z
        .object({
          name: z.string(),
          key: z.string(),
          // RSS, API and TWITTER are the news API's SOURCE_TYPEs; rewriter
          // writes RSS for feeds, JSONL for JSON Lines and MARKDOWN for drafts.
          type: z.enum(["RSS", "API", "TWITTER", "JSONL", "MARKDOWN"]),
        })
        .strict(),
      category: z.string().min(1),
      tags: z.array(z.string()),
      stickyWeight: z.number(),
      sentiment: z.enum(["POSITIVE", "NEGATIVE", "NEUTRAL"]),
      score: z.number(),
      draft: z.boolean(),
      coverImage: z
        .object({
          raw: url,
          full: url.optional(),
          regular: url.optional(),
          small: url.optional(),
          thumb: url.optional(),
          small_s3: url.optional(),
        })
        .passthrough()
        .optional(),
      ai: z
        .object({
          rewritten: z.literal(true),
          expandedAt: isoDate,
          version: z.number().int().positive(),
          model: z.string().optional(),
          sourceHash: z.string().optional(),
          warnings: z.array(z.string()).optional(),
          dropped: z.array(z.string()).optional(),
        })
        .passthrough(),
    })
    .passthrough(),
});

export const collections = { articles };
