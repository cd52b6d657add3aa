"use strict";
// Builds the addon where FAISS is installed, with the node-gyp that npm bundles, and skips it
// otherwise with one line: the platform then runs the usearch engine (a prebuilt npm package).
// This script never fails `npm ci`: a machine with nothing but Node must install and start.
// Node's headers are taken from the running Node installation when it ships them (Debian's
// nodejs, the official tarballs), so the build never has to download them: hosts are offline.
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");
const { find } = require("./find-faiss.cjs");

const HINT =
  "to use FAISS: apt-get install libfaiss-dev libopenblas-dev g++ make (Debian/Ubuntu) or brew install faiss pkg-config (macOS), then npm rebuild @chatlens/faiss";

function skip(why) {
  // Remove a binding left from an earlier build so that what runs matches this install.
  fs.rmSync(path.join(__dirname, "build"), { recursive: true, force: true });
  console.log(`@chatlens/faiss: FAISS binding skipped (${why}); the index will use usearch. ${HINT}`);
  process.exit(0);
}

const found = find();
if (!found.source) skip(found.reason);
const gyp = process.env.npm_config_node_gyp;
if (!gyp) skip("npm_config_node_gyp is not set: run this through npm install");
const args = [gyp, "rebuild"];
const prefix = path.resolve(process.execPath, "..", "..");
if (!process.env.npm_config_nodedir && fs.existsSync(path.join(prefix, "include", "node", "node_api.h"))) {
  args.push(`--nodedir=${prefix}`);
}
// The compiler's chatter goes to a log; only a failure's tail is shown.
const result = spawnSync(process.execPath, args, {
  cwd: __dirname,
  encoding: "utf8",
  stdio: ["ignore", "pipe", "pipe"],
});
if (result.status !== 0) {
  const log = path.join(__dirname, "build-error.log");
  fs.writeFileSync(log, `${result.stdout ?? ""}\n${result.stderr ?? ""}`);
  skip(`the build against ${found.source} failed, see ${log}`);
}
console.log(`@chatlens/faiss: FAISS binding built against ${found.source}`);
