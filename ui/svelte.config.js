import adapter from "@sveltejs/adapter-static";
import { vitePreprocess } from "@sveltejs/vite-plugin-svelte";

/**
 * The web app is a single-page app: built to static files that the gateway serves on the
 * same port as the API, so there is one process and one origin (no CORS, cookies stay simple).
 */
export default {
  preprocess: vitePreprocess(),
  kit: {
    adapter: adapter({ pages: "build", assets: "build", fallback: "index.html", strict: false }),
  },
};
