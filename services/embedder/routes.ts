/** HTTP endpoints of the embedder: under /api (EMBEDDER_ROUTES) and OpenAI's under /v1 (EMBEDDER_OPENAI_ROUTES). */
export const EMBEDDER_ROUTES: Record<string, string> = {
  "GET /models": "embedder.listModels",
  "GET /models/:id": "embedder.getModel",
  "GET /datasets/:datasetId/embedding": "embedder.embeddingProgress",
};

export const EMBEDDER_OPENAI_ROUTES: Record<string, string> = {
  "POST /embeddings": "embedder.createEmbeddings",
  "GET /models": "embedder.openaiListModels",
  "GET /models/:id": "embedder.openaiGetModel",
};
