// @ts-check
// A static site (the default output): `npx astro build` writes dist/.
// Articles come from src/content/articles, where `rewriter batch --out`
// writes them; src/content.config.ts validates every file's front matter.
import { defineConfig } from "astro/config";

export default defineConfig({
  // Pages are plain HTML: no client-side script is shipped.
  build: { format: "directory" },
  // No Astro dev toolbar, and no remote fetches during a build.
  devToolbar: { enabled: false },
  // Publish the text as rewriter wrote it and `rewriter check` passed it:
  // no typographic rewriting of quotes and dashes.
  markdown: { smartypants: false },
});
