import type { ServiceBroker } from "moleculer";
import type { OperatorArgs, OperatorCommand } from "../core/operator.ts";
import { AUTH_COMMANDS } from "../services/auth/operator-commands.ts";
import { INDEX_COMMANDS } from "../services/index/operator-commands.ts";
import { INGEST_COMMANDS } from "../services/ingest/operator-commands.ts";
import { OPS_COMMANDS } from "../services/ops/operator-commands.ts";

/** Operator commands of every service (each declares its own; see core/operator.ts). */
export const OPERATOR_COMMANDS: OperatorCommand[] = [
  ...OPS_COMMANDS,
  ...AUTH_COMMANDS,
  ...INGEST_COMMANDS,
  ...INDEX_COMMANDS,
];

/** The same commands in moleculer-repl's `customCommands` format: `broker.repl({ customCommands: replCommands() })`. */
export function replCommands() {
  return OPERATOR_COMMANDS.map((c) => ({
    command: c.command,
    description: c.description,
    options: c.options,
    async action(broker: ServiceBroker, args: OperatorArgs) {
      try {
        console.log(JSON.stringify(await c.run(broker, args), null, 2));
      } catch (err) {
        console.error(`${(err as { type?: string }).type ?? "ERROR"}: ${(err as Error).message}`);
      }
    },
  }));
}

/** Parses `argv` (after the script) into the command and its named arguments. */
export function parseCommandLine(argv: string[]): { command: OperatorCommand; args: OperatorArgs } | undefined {
  const [name, ...rest] = argv;
  const command = OPERATOR_COMMANDS.find((c) => c.command.split(" ")[0] === name);
  if (!command) return undefined;
  const positional = rest.filter((_, i) => !rest[i - 1]?.startsWith("--") && !rest[i]!.startsWith("--"));
  const options: Record<string, string> = {};
  rest.forEach((v, i) => {
    if (v.startsWith("--") && rest[i + 1] !== undefined) options[v.slice(2)] = rest[i + 1]!;
  });
  const names = [...command.command.matchAll(/<(\w+)>/g)].map((m) => m[1]!);
  if (positional.length < names.length) return undefined;
  const named = Object.fromEntries(names.map((n, i) => [n, positional[i]]));
  return { command, args: { ...named, options } };
}
