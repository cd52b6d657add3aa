import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { ClientError } from "../../core/errors.ts";

/** The interactive API viewer (Swagger UI, from the swagger-ui-dist package) at /api/docs. */
const distDir = path.dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));

const ASSETS: Record<string, string> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "application/javascript; charset=utf-8",
  "swagger-ui-standalone-preset.js": "application/javascript; charset=utf-8",
};

export function swaggerAsset(file: string): { body: Buffer; type: string } {
  const type = ASSETS[file];
  if (!type) throw new ClientError("NOT_FOUND", "No such documentation asset");
  return { body: readFileSync(path.join(distDir, file)), type };
}

export function docsPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>chatlens API</title>
  <link rel="stylesheet" href="/api/docs/assets/swagger-ui.css">
</head>
<body>
  <div id="docs"></div>
  <script src="/api/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/api/docs/assets/swagger-ui-standalone-preset.js"></script>
  <script>
    window.ui = SwaggerUIBundle({
      url: "/api/openapi.json",
      dom_id: "#docs",
      presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
      layout: "StandaloneLayout",
      persistAuthorization: true
    });
  </script>
</body>
</html>`;
}
