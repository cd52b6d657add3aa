/** HTTP endpoints of the index service (mounted under /api). */
export const INDEX_ROUTES: Record<string, string> = {
  "POST /search": "index.search",
  "POST /search/vector": "index.searchByVector",

  "GET /datasets/:datasetId/index": "index.status",
  "POST /datasets/:datasetId/index/rebuild": "index.rebuild",
  "GET /datasets/:datasetId/index/versions": "index.listVersions",
  "GET /datasets/:datasetId/index/versions/:from/compare/:to": "index.compareVersions",
  "POST /datasets/:datasetId/index/pin": "index.pinVersion",
  "DELETE /datasets/:datasetId/index/pin": "index.unpinVersion",
  "POST /datasets/:datasetId/index/rollback": "index.rollback",
};
