# syntax=docker/dockerfile:1
# Multi-stage build of the chatlens node image. Every node shape (gateway, worker, embedder)
# runs this image; SERVICES picks what a container runs.

FROM node:20-bookworm-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends \
      python3 make g++ libfaiss-dev libopenblas-dev git ca-certificates \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json .npmrc ./
COPY native ./native
RUN npm ci --no-audit --no-fund --ignore-scripts=false
COPY . .
RUN npm run build:ui --if-present && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim AS runtime
# FAISS is linked statically; its BLAS, LAPACK and OpenMP come from the system. git versions the indexes.
RUN apt-get update && apt-get install -y --no-install-recommends libopenblas0 liblapack3 libgomp1 git tini \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 DATA_DIR=/data
COPY --from=build /app /app
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
# Gateway nodes answer /api/health; worker and embedder nodes have only their metrics port.
HEALTHCHECK --interval=15s --timeout=5s CMD sh -c 'case ",${SERVICES:-all}," in *,api,*|*,all,*) \
    node -e "fetch(\"http://127.0.0.1:\"+(process.env.PORT||3000)+\"/api/health\").then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))" ;; \
    *) node deploy/probe/metrics-probe.mjs ;; esac'

ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "--import", "tsx", "bin/chatlens.ts"]

# Embedder for NVIDIA hosts: onnxruntime-node with its CUDA 12 libraries (downloaded at build time),
# and libvulkan1 for its bundled WebGPU provider (Dawn over the NVIDIA driver's Vulkan ICD, which the
# NVIDIA container runtime mounts with the "graphics" capability). EMBEDDER_DEVICE=auto runs CUDA,
# else WebGPU, else CPU (one log line); the node advertises the device that loaded, so no EMBEDDER_GPU.
FROM build AS build-cuda
ENV ONNXRUNTIME_NODE_INSTALL=cuda12
RUN cd node_modules/onnxruntime-node && node ./script/install

FROM nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04 AS embedder-cuda
RUN apt-get update && apt-get install -y --no-install-recommends curl ca-certificates libopenblas0 liblapack3 libgomp1 libvulkan1 git tini \
    && curl -fsSL https://deb.nodesource.com/setup_20.x | bash - && apt-get install -y nodejs && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production DATA_DIR=/data SERVICES=embedder EMBEDDER_DEVICE=auto NVIDIA_DRIVER_CAPABILITIES=compute,utility,graphics
COPY --from=build-cuda /app /app
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "--import", "tsx", "bin/chatlens.ts"]
