/** Where a ?next=… may lead: a path of this app only (not `//host` nor `/\host`, which browsers read as another site). */
export function safeNext(n: string | null): string | null {
  return n && n.startsWith("/") && !n.startsWith("//") && !n.startsWith("/\\") ? n : null;
}
