// The process environment where there is one (Node), an empty one elsewhere (a browser),
// so library code can default to it without a browser bundle failing on `process`.
export function processEnv(): Readonly<Record<string, string | undefined>> {
  const p = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  return p?.env ?? {};
}
