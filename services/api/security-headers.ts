import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import helmet from "helmet";
import { docsPage } from "./docs.ts";

/** The inline scripts of an HTML page (not `<script src>`), as CSP `'sha256-…'` sources. */
export function inlineScriptHashes(html: string): string[] {
  const out: string[] = [];
  for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
    if (/\bsrc\s*=/i.test(m[1]!) || !m[2]!.length) continue;
    out.push(`'sha256-${createHash("sha256").update(m[2]!, "utf8").digest("base64")}'`);
  }
  return out;
}

/**
 * Security headers on every response (M7), through helmet: a CSP without inline scripts except
 * the exact ones the pages we serve carry (SvelteKit's bootstrap in index.html, the Swagger UI
 * start-up in /api/docs), allowed by hash; no framing (frame-ancestors 'none' and
 * X-Frame-Options DENY); nosniff; no Referer to other sites; HSTS in production only (a
 * development server on plain http would otherwise be unreachable by name for a year).
 * Inline styles stay allowed: Svelte transitions and chart.js set style attributes, and styles
 * cannot run code.
 */
export function createSecurityHeaders(o: { uiDir: string; production: boolean }) {
  let handler: ((req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void) | undefined;
  let builtFrom: number | undefined;
  const indexFile = path.join(o.uiDir, "index.html");

  function build() {
    const index = existsSync(indexFile) ? readFileSync(indexFile, "utf8") : "";
    const hashes = [...new Set([...inlineScriptHashes(index), ...inlineScriptHashes(docsPage())])];
    return helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          "default-src": ["'self'"],
          "script-src": ["'self'", ...hashes],
          "style-src": ["'self'", "'unsafe-inline'"],
          "img-src": ["'self'", "data:", "blob:", "https:"],
          "font-src": ["'self'", "data:"],
          "connect-src": ["'self'"],
          "worker-src": ["'self'", "blob:"],
          "object-src": ["'none'"],
          "base-uri": ["'self'"],
          "form-action": ["'self'"],
          "frame-ancestors": ["'none'"],
          ...(o.production ? { "upgrade-insecure-requests": [] } : {}),
        },
      },
      crossOriginEmbedderPolicy: false,
      crossOriginOpenerPolicy: { policy: "same-origin" },
      crossOriginResourcePolicy: { policy: "same-origin" },
      referrerPolicy: { policy: "no-referrer" },
      strictTransportSecurity: o.production ? { maxAge: 31_536_000, includeSubDomains: true } : false,
      xFrameOptions: { action: "deny" },
      xContentTypeOptions: true,
      xPoweredBy: false,
    });
  }

  return function securityHeaders(req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) {
    // The web app may be built after the server started (development): the hashes follow the file.
    const mtime = readMtime(indexFile);
    if (!handler || mtime !== builtFrom) {
      handler = build();
      builtFrom = mtime;
    }
    handler(req, res, next);
  };
}

let mtimeCache: { file: string; at: number; mtime: number } | undefined;
/** stat at most once a second: this runs on every request. */
function readMtime(file: string): number {
  const now = Date.now();
  if (mtimeCache && mtimeCache.file === file && now - mtimeCache.at < 1000) return mtimeCache.mtime;
  let mtime = 0;
  try {
    mtime = statMtime(file);
  } catch {
    mtime = 0;
  }
  mtimeCache = { file, at: now, mtime };
  return mtime;
}

const statMtime = (file: string) => statSync(file).mtimeMs;
