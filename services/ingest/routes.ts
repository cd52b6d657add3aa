/** HTTP endpoints of the ingest service (mounted under /api). */
export const INGEST_ROUTES: Record<string, string> = {
  "GET /formats": "ingest.listFormats",

  "GET /datasets": "ingest.listDatasets",
  "POST /datasets": "ingest.createDataset",
  "GET /datasets/:datasetId": "ingest.getDataset",
  "PATCH /datasets/:datasetId": "ingest.updateDataset",
  "DELETE /datasets/:datasetId": "ingest.deleteDataset",

  "GET /datasets/:datasetId/imports": "ingest.listImports",
  "GET /imports/:importId": "ingest.getImport",

  "GET /datasets/:datasetId/conversations": "ingest.listConversations",
  "GET /datasets/:datasetId/participants": "ingest.listParticipants",
  "GET /datasets/:datasetId/conversations/:conversationId/messages": "ingest.listMessages",
  "GET /datasets/:datasetId/messages/:messageId": "ingest.getMessage",
};

/**
 * Uploads: a multipart form with one file, or the raw export as the request body. Import
 * options (format, timeZone, daysFirst, conversationName, column mapping, filename for raw
 * bodies) travel in the query string, since multipart fields after the file are not seen.
 */
export const INGEST_UPLOAD_ROUTES: Record<string, string> = {
  "POST /datasets/:datasetId/imports": "multipart:ingest.upload",
  "PUT /datasets/:datasetId/imports": "stream:ingest.upload",
};
