/**
 * A flat copy of `s`: one sequential string, not the tree of pieces V8 keeps for a string built by
 * concatenation or a template literal. For a string kept long as a Map key: a 64-character key
 * built from five parts costs about 350 bytes of heap as built and about 100 flat (measured over
 * 100,000 keys, Node 20).
 */
export function flatString(s: string): string {
  return Buffer.from(s, "utf8").toString("utf8");
}
