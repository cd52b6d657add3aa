import type { CallMeta } from "./permissions.ts";

/**
 * How use-case modules call other actions without importing Moleculer: a context's or a broker's
 * `call` fits these types.
 */

/** How an action is called on another (or this) node. */
export interface CallOptions {
  nodeID?: string;
  timeout?: number;
  retries?: number;
}

/** Calls an action and hands back its answer. */
export type CallAction = <T>(action: string, params: object, options?: CallOptions) => Promise<T>;

/**
 * Who calls: the call's meta, and its way of calling further actions (a Moleculer context fits:
 * its calls carry the caller's meta and what is left of its timeout).
 */
export interface Caller {
  meta: CallMeta;
  call: CallAction;
}
