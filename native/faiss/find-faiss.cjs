"use strict";
// Finds an installed FAISS for the build: pkg-config first (Homebrew's faiss, or any prefix that
// ships faiss.pc), then Debian/Ubuntu's libfaiss-dev layout. binding.gyp asks it for flags:
//   node find-faiss.cjs cflags | libs     (prints gyp list items, one per line)
//   node find-faiss.cjs                   (prints a JSON description, or exits 1 when none)
const { execFileSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");

function pkgConfig(args) {
  try {
    return execFileSync("pkg-config", args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return undefined;
  }
}

function debianMultiarch() {
  return { x64: "x86_64-linux-gnu", arm64: "aarch64-linux-gnu" }[os.arch()];
}

function find() {
  if (process.env.CHATLENS_FAISS === "off") return { reason: "CHATLENS_FAISS=off" };
  if (pkgConfig(["--exists", "faiss"]) !== undefined) {
    const cflags = pkgConfig(["--cflags", "faiss"]) ?? "";
    const libs = pkgConfig(["--libs", "faiss"]) ?? "";
    return {
      source: "pkg-config",
      cflags: cflags.split(/\s+/).filter(Boolean),
      libs: libs.split(/\s+/).filter(Boolean),
    };
  }
  const arch = debianMultiarch();
  for (const prefix of ["/usr", "/usr/local"]) {
    if (!fs.existsSync(`${prefix}/include/faiss/IndexFlat.h`)) continue;
    for (const dir of [arch && `${prefix}/lib/${arch}`, `${prefix}/lib`].filter(Boolean)) {
      // Debian's static library: the addon then needs no libfaiss.so at run time.
      if (fs.existsSync(`${dir}/libfaiss.a`)) {
        // No -I for a system prefix: it would reorder the compiler's own include path (#include_next breaks).
        return {
          source: `${prefix} (libfaiss-dev)`,
          cflags: [],
          libs: [`${dir}/libfaiss.a`, "-lopenblas", "-llapack", "-fopenmp"],
        };
      }
      if (fs.existsSync(`${dir}/libfaiss.so`)) {
        return { source: `${prefix}`, cflags: [], libs: [`-L${dir}`, "-lfaiss", "-fopenmp"] };
      }
    }
  }
  return { reason: "FAISS is not installed (no faiss.pc for pkg-config, no /usr/include/faiss)" };
}

module.exports = { find };

if (require.main === module) {
  const found = find();
  const what = process.argv[2];
  if (what === "cflags" || what === "libs") {
    if (!found.source) process.exit(1);
    for (const item of found[what]) console.log(item);
  } else {
    console.log(JSON.stringify(found));
    process.exit(found.source ? 0 : 1);
  }
}
