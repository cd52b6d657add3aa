import { acceptsConnections } from "../../helpers/servers.ts";

/** Whether 127.0.0.1:port accepts a connection now (servers.ts caches its answer for a whole run). */
export function isReachableNow(port: number): Promise<boolean> {
  return acceptsConnections("127.0.0.1", port, 1000);
}
