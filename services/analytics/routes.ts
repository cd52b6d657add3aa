/**
 * HTTP endpoints of the analytics service (mounted under /api). A table name ending in
 * ".csv" (`/analytics/heatmap.csv`) downloads that table as CSV.
 */
export const ANALYTICS_ROUTES: Record<string, string> = {
  "GET /datasets/:datasetId/analytics": "analytics.activity",
  "GET /datasets/:datasetId/report": "analytics.report",
  "GET /datasets/:datasetId/analytics/:table": "analytics.activityTable",
  "GET /search-analytics": "analytics.search",
  "GET /search-analytics/:table": "analytics.searchTable",
};
