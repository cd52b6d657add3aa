/** HTTP endpoints of the cluster service (mounted under /api). */
export const CLUSTER_ROUTES: Record<string, string> = {
  "POST /datasets/:datasetId/clusters/runs": "cluster.startRun",
  "GET /datasets/:datasetId/clusters/runs": "cluster.listRuns",
  "GET /datasets/:datasetId/clusters/runs/:runId": "cluster.getRun",
  "GET /datasets/:datasetId/clusters/runs/:runId/map": "cluster.getMap",
  "GET /datasets/:datasetId/clusters/runs/:runId/export": "cluster.exportRun",
  "GET /datasets/:datasetId/chunks/:chunkId/location": "cluster.locateChunk",
  "GET /datasets/:datasetId/clusters/runs/:runId/compare/:otherRunId": "cluster.compareRuns",
};
