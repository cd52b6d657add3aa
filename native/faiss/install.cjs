"use strict";
// Builds the addon with the node-gyp that npm bundles. Node's headers are taken from the
// running Node installation when it ships them (Debian's nodejs, the official tarballs), so
// the build never has to download them: CI and production hosts are offline.
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const gyp = process.env.npm_config_node_gyp;
if (!gyp) throw new Error("npm_config_node_gyp is not set: run this through npm install");
const args = [gyp, "rebuild"];
const prefix = path.resolve(process.execPath, "..", "..");
if (!process.env.npm_config_nodedir && fs.existsSync(path.join(prefix, "include", "node", "node_api.h"))) {
  args.push(`--nodedir=${prefix}`);
}
const result = spawnSync(process.execPath, args, { stdio: "inherit", cwd: __dirname });
process.exit(result.status ?? 1);
