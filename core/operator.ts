import type { ServiceBroker } from "moleculer";
import type { ServiceName } from "../config/index.ts";

/**
 * One operator command, for the Moleculer REPL (`npm run repl`) and the CLI (`bin/operator.ts`).
 * Each service declares its own in `services/<name>/operator-commands.ts`; `platform/operator-commands.ts`
 * gathers them. Each command calls its service's actions with `meta.system`.
 */
export interface OperatorCommand {
  /** The service whose actions the command calls (the CLI starts it when running embedded). */
  service: ServiceName | "ops";
  /** moleculer-repl syntax: `name <required> [optional]`. */
  command: string;
  description: string;
  options?: { option: string; description: string }[];
  run(broker: ServiceBroker, args: Record<string, any>): Promise<unknown>;
}
