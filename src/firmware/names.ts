import { invalidInput } from "../errors.ts";

/** A firmware version as vendors write them: `66.86.0.15`, `6.4.3.0513`, `1.0.7.97`. */
export const VERSION = /^[0-9A-Za-z][0-9A-Za-z._-]{0,31}$/;
const SERVED_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function requireVersion(version: string): string {
  if (!VERSION.test(version)) {
    throw invalidInput(`version: "${version.slice(0, 40)}" is not a firmware version (letters, digits, ".", "_", "-"; up to 32)`);
  }
  return version;
}

/**
 * The vendor's file name reduced to `[A-Za-z0-9._-]`: only the last path segment of what the
 * operator gave, any other character replaced by `_` (Yealink's `T46S(T48S,T42S,T41S)-66.86.0.15.rom`
 * becomes `T46S_T48S_T42S_T41S_-66.86.0.15.rom`). It is a label for a generated name, never a path.
 */
export function sanitizeOriginalName(name: string): string {
  const base = name.split(/[/\\]/).pop() ?? "";
  const clean = base.replace(/[^A-Za-z0-9._-]/g, "_").replace(/^[._-]+/, "");
  if (!clean || clean.length > 96) {
    throw invalidInput(`name: "${name.slice(0, 60)}" does not give a usable file name (1-96 letters, digits, ".", "_", "-")`);
  }
  return clean;
}

/** The name phones fetch the image by, and its file name under `<firmwareDir>/<vendor>/`. */
export function servedName(version: string, originalName: string): string {
  const name = `${version}-${originalName}`;
  if (!SERVED_NAME.test(name)) throw invalidInput(`name: "${name.slice(0, 60)}" is too long for a firmware file name (128 max)`);
  return name;
}
