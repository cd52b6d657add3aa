/**
 * What use-case modules log through: a Moleculer service's logger fits, and so does `console`
 * in a script or a test. The modules take it as a dependency instead of importing Moleculer.
 */
export interface Logger {
  error(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  info(...args: unknown[]): void;
  debug(...args: unknown[]): void;
}
