import type { ServiceBroker } from "moleculer";
import { positional, type OperatorCommand } from "../../core/operator.ts";

const system = { system: true };

/** Builds `ingest.importPath` params from command options (REPL and CLI spell them the same). */
export function importPathParams(datasetId: string, path: string, o: Record<string, string | boolean | undefined>) {
  const params: Record<string, unknown> = { datasetId, path, wait: o.wait !== undefined && o.wait !== "false" };
  if (typeof o.format === "string") params.format = o.format;
  if (typeof o["time-zone"] === "string") params.timeZone = o["time-zone"];
  if (o["days-first"] !== undefined) params.daysFirst = o["days-first"] === true || o["days-first"] === "true";
  if (typeof o["conversation-name"] === "string") params.conversationName = o["conversation-name"];
  // --merge-overlapping false keeps an export that overlaps a stored conversation apart.
  if (o["merge-overlapping"] !== undefined)
    params.mergeOverlapping = o["merge-overlapping"] === true || o["merge-overlapping"] === "true";
  return params;
}

/**
 * Operator commands of the ingest service. The path is read by the ingest node that runs the
 * import: in a cluster, pin the node whose disk holds the file with `--node <nodeID>`.
 */
export const INGEST_COMMANDS: OperatorCommand[] = [
  {
    service: "ingest",
    command: "import:path <datasetId> <path>",
    description: "Import a chat export (file, zip or folder) from a server-side path into a dataset",
    options: [
      { option: "--format <format>", description: "skip detection: whatsapp, telegram, slack, discord, …" },
      { option: "--time-zone <zone>", description: "IANA zone of local times in the export (default UTC)" },
      {
        option: "--days-first <bool>",
        description: "WhatsApp/Signal: dates are day-first (true) or month-first (false)",
      },
      { option: "--conversation-name <name>", description: "name for single-chat exports without one" },
      {
        option: "--merge-overlapping <bool>",
        description: "fold an export that overlaps a stored conversation into it (default true)",
      },
      { option: "--wait <bool>", description: "return when the import has ended (default: return once queued)" },
      { option: "--node <nodeID>", description: "the ingest node whose disk holds the path (cluster)" },
    ],
    run: (broker: ServiceBroker, a) =>
      broker.call(
        "ingest.importPath",
        importPathParams(positional(a, "datasetId"), positional(a, "path"), a.options ?? {}),
        {
          meta: system,
          ...(a.options?.node ? { nodeID: String(a.options.node) } : {}),
        },
      ),
  },
];
