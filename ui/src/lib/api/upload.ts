import type { ApiPath } from "./client";
import { currentAccessToken, refreshAccess } from "./client";
import { isErrorBody, toApiError } from "./errors";
import type { paths } from "./schema";

/** The multipart upload endpoint of the generated document (a compile error if it goes away). */
const UPLOAD_PATH = "/api/datasets/{datasetId}/imports" satisfies ApiPath;

/** The upload's documented answer (202: the import, queued), as the generated document types it. */
type UploadAnswer = paths[typeof UPLOAD_PATH]["post"]["responses"][202]["content"]["application/json"];

/**
 * Whether the upload's parsed body is its documented answer. XMLHttpRequest (for its upload
 * progress) answers text, not a typed result as the openapi-fetch client does: the body is
 * checked to be an import (an id and a status) before the page uses it.
 */
function isUploadAnswer(body: unknown): body is UploadAnswer {
  return (
    typeof body === "object" &&
    body !== null &&
    "id" in body &&
    typeof body.id === "string" &&
    "status" in body &&
    typeof body.status === "string"
  );
}

export interface UploadOptions {
  format?: string;
  timeZone?: string;
  daysFirst?: boolean;
  conversationName?: string;
}

export interface UploadHandle {
  promise: Promise<UploadAnswer>;
  abort(): void;
}

/**
 * Uploads an export with XMLHttpRequest, whose upload events give a real progress bar
 * (fetch has none). Options travel in the query string, as the endpoint expects. An expired
 * access token is refreshed once and the upload restarted.
 */
export function uploadExport(
  datasetId: string,
  file: File,
  options: UploadOptions,
  onProgress: (sent: number, total: number) => void,
): UploadHandle {
  let xhr: XMLHttpRequest | null = null;
  let aborted = false;
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(options)) if (v !== undefined && v !== "") query.set(k, String(v));
  const url = UPLOAD_PATH.replace("{datasetId}", encodeURIComponent(datasetId)) + (query.toString() ? `?${query}` : "");

  const send = (token: string | null) =>
    new Promise<{ status: number; body: unknown }>((resolve, reject) => {
      xhr = new XMLHttpRequest();
      xhr.open("POST", url);
      if (token) xhr.setRequestHeader("authorization", `Bearer ${token}`);
      xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
      xhr.onload = () => {
        let body: unknown = xhr!.responseText;
        try {
          body = JSON.parse(xhr!.responseText);
        } catch {
          /* keep text */
        }
        resolve({ status: xhr!.status, body });
      };
      xhr.onerror = () => reject(toApiError(new TypeError("Upload failed: the connection was interrupted")));
      xhr.onabort = () => reject(toApiError({ error: { code: "ABORTED", message: "Upload cancelled" } }));
      const form = new FormData();
      form.append("file", file, file.name);
      xhr.send(form);
    });

  const promise = (async () => {
    let res = await send(await currentAccessToken());
    const code = isErrorBody(res.body) ? res.body.error.code : undefined;
    if (res.status === 401 && code === "TOKEN_EXPIRED" && !aborted) {
      const fresh = await refreshAccess();
      if (fresh) res = await send(fresh);
    }
    if (res.status < 200 || res.status >= 300 || !isUploadAnswer(res.body)) throw toApiError(res.body, res.status);
    return res.body;
  })();

  return {
    promise,
    abort() {
      aborted = true;
      (xhr as XMLHttpRequest | null)?.abort();
    },
  };
}
