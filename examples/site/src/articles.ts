/** The articles that may be published: drafts never get a page or a link. */
import { getCollection, type CollectionEntry } from "astro:content";

export type Article = CollectionEntry<"articles">;

/** Every article with `draft: false`, newest `publishedAt` first. */
export async function publishedArticles(): Promise<Article[]> {
  const articles = await getCollection("articles", ({ data }) => data.draft === false);
  return articles.sort((a, b) => b.data.publishedAt.getTime() - a.data.publishedAt.getTime());
}

export function formatDate(date: Date): string {
  return date.toLocaleDateString("en-GB", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
}
