import { expect } from "chai";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import sinon from "sinon";
import { EmbedderError } from "../../../services/embedder/errors.ts";
import { ModelRegistry } from "../../../services/embedder/registry.ts";
import type { Logger } from "../../../services/embedder/runtime.ts";
import { convertedUseLite } from "./fixtures.ts";
import { TINY_DIM, writeTinyModel } from "./tiny-model.ts";

const runtime = { intraOpThreads: 1 };
/** Lets pending I/O and promise chains run (setImmediate is not faked below). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setImmediate(r));
}

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (m) => lines.push(m), warn: (m) => lines.push(m) };
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, "expected a rejection").to.be.instanceOf(EmbedderError);
  return (err as EmbedderError).code;
}

describe("ModelRegistry", function () {
  let root: string;
  let useLite: string;

  before(async function () {
    useLite = (await convertedUseLite()).path;
  });

  beforeEach(async function () {
    root = await mkdtemp(path.join(os.tmpdir(), "chatlens-registry-"));
  });

  afterEach(async function () {
    await rm(root, { recursive: true, force: true });
  });

  it("builds USE-lite on first use in an empty models folder and describes it", async function () {
    const logger = recordingLogger();
    const registry = new ModelRegistry({ modelsDir: root, logger, runtime });
    const models = await registry.list();
    expect(models.map((m) => m.id)).to.deep.equal(["use-lite"]);
    const m = models[0]!;
    expect(m).to.include({
      dimension: 512,
      maxTokens: 128,
      license: "Apache-2.0",
      runtime: "onnxruntime",
      quantization: "fp32",
      matryoshka: false,
      onnxFile: "onnx/model.onnx",
      path: path.join(root, "use-lite"),
    });
    expect(m.languages).to.deep.equal(["en"]);
    expect(m.sizeBytes).to.be.greaterThan(27_000_000);
    expect(logger.lines.some((l) => /built use-lite/.test(l))).to.equal(true);
    await registry.close();
  });

  it("builds the int8 variant of USE-lite only when it is asked for, as a model of its own", async function () {
    const registry = new ModelRegistry({ modelsDir: root, logger: recordingLogger(), runtime });
    expect((await registry.list()).map((m) => m.id)).to.deep.equal(["use-lite"]);
    const m = await registry.get("use-lite-int8");
    expect(m).to.include({
      id: "use-lite-int8",
      dimension: 512,
      quantization: "int8",
      path: path.join(root, "use-lite-int8"),
    });
    expect(m.sizeBytes).to.be.lessThan(20_000_000);
    expect((await registry.list()).map((x) => x.id)).to.deep.equal(["use-lite", "use-lite-int8"]);
    await registry.close();
  });

  it("discovers nested hub-style folders, reads config fallbacks and skips broken folders", async function () {
    await writeTinyModel(path.join(root, "acme", "tiny-embed"), useLite, {
      license: "MIT",
      languages: ["en", "fr"],
      matryoshka: true,
    });
    await mkdir(path.join(root, "broken"));
    await writeFile(path.join(root, "broken", "config.json"), "{}");
    const logger = recordingLogger();
    const registry = new ModelRegistry({ modelsDir: root, buildUseLite: false, logger, runtime });
    const models = await registry.list();
    expect(models.map((m) => m.id)).to.deep.equal(["acme/tiny-embed"]);
    expect(models[0]).to.include({
      dimension: TINY_DIM,
      maxTokens: 128,
      quantization: "int8",
      license: "MIT",
      matryoshka: true,
    });
    expect(models[0]!.languages).to.deep.equal(["en", "fr"]);
    expect(logger.lines.some((l) => /skipping model folder broken: no tokenizer.json/.test(l))).to.equal(true);
  });

  it("fails with MODEL_NOT_FOUND for unknown local ids and NETWORK_DISABLED for hub ids when offline", async function () {
    const registry = new ModelRegistry({ modelsDir: root, runtime, logger: recordingLogger() });
    expect(await codeOf(registry.get("no-such-model"))).to.equal("MODEL_NOT_FOUND");
    expect(await codeOf(registry.get("../etc/passwd"))).to.equal("MODEL_NOT_FOUND");
    expect(await codeOf(registry.get("sentence-transformers/all-MiniLM-L6-v2"))).to.equal("NETWORK_DISABLED");
    expect(await codeOf(registry.embed("sentence-transformers/all-MiniLM-L6-v2", ["hi"]))).to.equal("NETWORK_DISABLED");
  });

  describe("with network allowed (a local stand-in for the hub)", function () {
    let server: http.Server;
    let hubUrl: string;
    let hubRoot: string;
    const requests: string[] = [];

    before(async function () {
      hubRoot = await mkdtemp(path.join(os.tmpdir(), "chatlens-hub-"));
      await writeTinyModel(path.join(hubRoot, "acme", "tiny-embed"), useLite, { license: "MIT" });
      server = http.createServer(async (req, res) => {
        requests.push(req.url!);
        const m = /^\/([^/]+\/[^/]+)\/resolve\/main\/(.+)$/.exec(req.url!);
        try {
          res.end(await readFile(path.join(hubRoot, m![1]!, m![2]!)));
        } catch {
          res.statusCode = 404;
          res.end();
        }
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      hubUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });

    after(async function () {
      server.close();
      await rm(hubRoot, { recursive: true, force: true });
    });

    it("downloads a hub model into the models folder once and embeds with it", async function () {
      const registry = new ModelRegistry({
        modelsDir: root,
        allowNetwork: true,
        hubUrl,
        buildUseLite: false,
        runtime,
        logger: recordingLogger(),
      });
      const [a, b] = await Promise.all([registry.get("acme/tiny-embed"), registry.get("acme/tiny-embed")]);
      expect(a.path).to.equal(path.join(root, "acme", "tiny-embed"));
      expect(b.id).to.equal("acme/tiny-embed");
      expect(requests.filter((u) => u.endsWith("/config.json"))).to.have.length(1);
      const r = await registry.embed("acme/tiny-embed", ["downloaded"]);
      expect(r.dimension).to.equal(TINY_DIM);
      await registry.close();
    });

    it("reports MODEL_NOT_FOUND when the hub has no such model", async function () {
      const registry = new ModelRegistry({
        modelsDir: root,
        allowNetwork: true,
        hubUrl,
        buildUseLite: false,
        runtime,
        logger: recordingLogger(),
      });
      expect(await codeOf(registry.get("acme/missing"))).to.equal("MODEL_NOT_FOUND");
      expect(await registry.list()).to.deep.equal([]);
    });
  });

  describe("loading", function () {
    beforeEach(async function () {
      await cp(useLite, path.join(root, "use-lite"), { recursive: true });
    });

    it("loads on first use, shares concurrent loads and embeds", async function () {
      const registry = new ModelRegistry({ modelsDir: root, runtime, logger: recordingLogger() });
      expect(registry.loadedIds()).to.deep.equal([]);
      const [a, b] = await Promise.all([registry.load("use-lite"), registry.load("use-lite")]);
      expect(a).to.equal(b);
      const r = await registry.embed("use-lite", ["hello", "world"]);
      expect(r.vectors).to.have.length(2);
      expect(r.model.id).to.equal("use-lite");
      expect(registry.loadedIds()).to.deep.equal(["use-lite"]);
      await registry.close();
      expect(registry.loadedIds()).to.deep.equal([]);
    });

    // Idle timing runs on fake timers (setTimeout only; I/O and the worker thread stay real), so a
    // busy machine cannot make the model unload early or late.
    describe("idle unloading (fake timers)", function () {
      let clock: sinon.SinonFakeTimers;
      beforeEach(function () {
        clock = sinon.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
      });
      afterEach(function () {
        clock.restore();
      });

      it("unloads a model after the idle time, and reloads it on the next call", async function () {
        const logger = recordingLogger();
        const registry = new ModelRegistry({ modelsDir: root, idleUnloadMs: 60_000, runtime, logger });
        await registry.embed("use-lite", ["first"]);
        clock.tick(59_999);
        expect(registry.loadedIds()).to.deep.equal(["use-lite"]);
        clock.tick(1);
        expect(registry.loadedIds()).to.deep.equal([]);
        await until(() => logger.lines.some((l) => /unloaded use-lite/.test(l)));
        expect((await registry.embed("use-lite", ["again"])).vectors).to.have.length(1);
        expect(registry.loadedIds()).to.deep.equal(["use-lite"]);
        await registry.close();
      });

      it("restarts the idle time on every call and never unloads during a call", async function () {
        const registry = new ModelRegistry({
          modelsDir: root,
          idleUnloadMs: 60_000,
          runtime,
          logger: recordingLogger(),
        });
        await registry.embed("use-lite", ["first"]);
        clock.tick(50_000);
        const running = registry.embed("use-lite", ["second"]);
        await new Promise((r) => setImmediate(r)); // the call has started (or already ended)
        clock.tick(50_000); // past the first call's deadline, while the second may still be running
        expect(registry.loadedIds()).to.deep.equal(["use-lite"]);
        await running;
        clock.tick(59_999);
        expect(registry.loadedIds()).to.deep.equal(["use-lite"]);
        clock.tick(1);
        expect(registry.loadedIds()).to.deep.equal([]);
        await registry.close();
      });

      it("keeps a model loaded with idleUnloadMs 0", async function () {
        const registry = new ModelRegistry({ modelsDir: root, idleUnloadMs: 0, runtime, logger: recordingLogger() });
        await registry.embed("use-lite", ["stay"]);
        clock.tick(24 * 3_600_000);
        expect(registry.loadedIds()).to.deep.equal(["use-lite"]);
        await registry.close();
      });
    });
  });
});
