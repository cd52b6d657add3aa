import type { OperatorCommand } from "../../core/operator.ts";

/**
 * Operator commands, shared by the Moleculer REPL (`customCommands`) and bin/operator.ts.
 * They call the auth service's internal actions with `meta.system`, so they act outside any
 * tenant; in a cluster the REPL node reaches the auth service over the transporter.
 */
const system = { meta: { system: true } };

export const AUTH_COMMANDS: OperatorCommand[] = [
  {
    service: "auth",
    command: "user:create <email> <password>",
    description: "Create a user (with a personal organisation they own)",
    options: [{ option: "--name <displayName>", description: "display name" }],
    run: (broker, a) =>
      broker.call("auth.createUser", { email: a.email, password: a.password, displayName: a.options?.name }, system),
  },
  {
    service: "auth",
    command: "user:grant <email> <orgId> <role>",
    description: "Give a user a role (viewer, analyst, admin, owner) in an organisation",
    run: (broker, a) => broker.call("auth.grantRole", { email: a.email, orgId: a.orgId, role: a.role }, system),
  },
  {
    service: "auth",
    command: "user:disable <email>",
    description: "Disable an account and end all its sessions",
    run: (broker, a) => broker.call("auth.setUserDisabled", { email: a.email, disabled: true }, system),
  },
  {
    service: "auth",
    command: "user:enable <email>",
    description: "Enable a disabled account",
    run: (broker, a) => broker.call("auth.setUserDisabled", { email: a.email, disabled: false }, system),
  },
  {
    service: "auth",
    command: "user:sessions <email>",
    description: "List a user's active sessions",
    run: (broker, a) => broker.call("auth.listUserSessions", { email: a.email }, system),
  },
  {
    service: "auth",
    command: "auth:purge",
    description: "Delete expired sessions, refresh tokens, OAuth codes and invitations now",
    run: (broker) => broker.call("auth.purgeExpired", {}, system),
  },
];
