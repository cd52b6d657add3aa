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
  run(broker: ServiceBroker, args: OperatorArgs): Promise<unknown>;
}

/** A command's `--name value` options (moleculer-repl gives a bare flag as `true`). */
export type OperatorOptions = Readonly<Record<string, string | boolean | undefined>>;

/**
 * What a command receives, from the REPL or the CLI alike: its named positionals (`<email>`) as
 * strings, and its options.
 */
export interface OperatorArgs {
  readonly options?: OperatorOptions;
  readonly [name: string]: string | OperatorOptions | undefined;
}

/** A named positional of the command (`<name>` in its syntax): both the REPL and the CLI refuse a command without it. */
export function positional(args: OperatorArgs, name: string): string {
  const value = args[name];
  if (typeof value !== "string") throw new Error(`missing argument <${name}>`);
  return value;
}
