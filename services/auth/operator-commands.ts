import type { ServiceBroker } from "moleculer";

/**
 * Operator commands, shared by the Moleculer REPL (`customCommands`) and bin/operator.ts.
 * They call the auth service's internal actions with `meta.system`, so they act outside any
 * tenant; in a cluster the REPL node reaches the auth service over the transporter.
 */
export interface OperatorCommand {
  /** moleculer-repl syntax: `name <required> [optional]`. */
  command: string;
  description: string;
  options?: { option: string; description: string }[];
  run(broker: ServiceBroker, args: Record<string, any>): Promise<unknown>;
}

const system = { meta: { system: true } };

export const OPERATOR_COMMANDS: OperatorCommand[] = [
  {
    command: "user:create <email> <password>",
    description: "Create a user (with a personal organisation they own)",
    options: [{ option: "--name <displayName>", description: "display name" }],
    run: (broker, a) => broker.call("auth.createUser", { email: a.email, password: a.password, displayName: a.options?.name }, system),
  },
  {
    command: "user:grant <email> <orgId> <role>",
    description: "Give a user a role (viewer, analyst, admin, owner) in an organisation",
    run: (broker, a) => broker.call("auth.grantRole", { email: a.email, orgId: a.orgId, role: a.role }, system),
  },
  {
    command: "user:disable <email>",
    description: "Disable an account and end all its sessions",
    run: (broker, a) => broker.call("auth.setUserDisabled", { email: a.email, disabled: true }, system),
  },
  {
    command: "user:enable <email>",
    description: "Enable a disabled account",
    run: (broker, a) => broker.call("auth.setUserDisabled", { email: a.email, disabled: false }, system),
  },
  {
    command: "user:sessions <email>",
    description: "List a user's active sessions",
    run: (broker, a) => broker.call("auth.listUserSessions", { email: a.email }, system),
  },
  {
    command: "auth:purge",
    description: "Delete expired sessions, refresh tokens, OAuth codes and invitations now",
    run: (broker) => broker.call("auth.purgeExpired", {}, system),
  },
];

/** The same commands in moleculer-repl's `customCommands` format: `broker.repl({ customCommands: replCommands() })`. */
export function replCommands() {
  return OPERATOR_COMMANDS.map((c) => ({
    command: c.command,
    description: c.description,
    options: c.options,
    async action(broker: ServiceBroker, args: Record<string, any>) {
      try {
        console.log(JSON.stringify(await c.run(broker, args), null, 2));
      } catch (err) {
        console.error(`${(err as { type?: string }).type ?? "ERROR"}: ${(err as Error).message}`);
      }
    },
  }));
}

/** Parses `argv` (after the script) into the command and its named arguments. */
export function parseCommandLine(argv: string[]): { command: OperatorCommand; args: Record<string, any> } | undefined {
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
  const args: Record<string, any> = { options };
  names.forEach((n, i) => (args[n] = positional[i]));
  return { command, args };
}
