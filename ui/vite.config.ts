import { sveltekit } from "@sveltejs/kit/vite";
import { defineConfig } from "vite";

export default defineConfig({
  plugins: [sveltekit()],
  server: {
    // `npm run dev:ui` talks to a platform started with `npm start` on port 3000.
    proxy: { "/api": "http://127.0.0.1:3000", "/v1": "http://127.0.0.1:3000" },
  },
});
