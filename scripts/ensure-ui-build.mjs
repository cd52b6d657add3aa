// `npm start` serves the web app from ui/build: build it once on a fresh clone.
import { existsSync } from "node:fs";
import { execSync } from "node:child_process";

if (!existsSync("ui/build/index.html") && process.env.CHATLENS_SKIP_UI_BUILD !== "1") {
  console.log("Building the web app (first start only)…");
  execSync("npm run build:ui", { stdio: "inherit" });
}
