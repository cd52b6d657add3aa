import { spawn, type ChildProcess } from "node:child_process";
import { appendFileSync } from "node:fs";
import path from "node:path";
import { REPO_ROOT } from "./paths.ts";

export interface NodeProcess {
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** Starts a TypeScript entry point as its own Node process and waits for a line on stdout. */
export function startNodeProcess(
  script: string,
  env: Record<string, string>,
  readyPattern: RegExp = /READY/,
  timeoutMs = 300_000,
): Promise<NodeProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", script], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  // CHATLENS_TEST_NODE_LOGS=DIR keeps every node's output in DIR/<node id>.log, to read after a failure.
  const logDir = process.env.CHATLENS_TEST_NODE_LOGS;
  if (logDir) {
    const file = path.join(logDir, `${env.NODE_ID ?? "node"}-${child.pid}.log`);
    const keep = (chunk: Buffer) => appendFileSync(file, chunk);
    child.stdout!.on("data", keep);
    child.stderr!.on("data", keep);
  }
  const handle: NodeProcess = {
    child,
    output: () => log,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 5000).unref();
      }),
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${script} did not get ready in ${timeoutMs} ms:\n${log}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      if (readyPattern.test(log)) {
        clearTimeout(timer);
        resolve(handle);
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (chunk: Buffer) => (log += chunk.toString()));
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code} before it was ready:\n${log}`));
    });
  });
}

/** Runs a process to completion and returns its exit code and output. */
export function runNodeProcess(
  script: string,
  env: Record<string, string>,
  timeoutMs = 300_000,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", script], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (c: Buffer) => (output += c.toString()));
    child.stderr.on("data", (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}
