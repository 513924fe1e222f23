import type { PhoneConfig } from "../../domain/phone-config.ts";

/**
 * Call waiting is one phone-wide setting on every vendor we serve (Yealink `call_waiting.enable`,
 * Poly `call.callWaiting.enable`, Grandstream P91 / `call.callWaiting.enable`), while phonehome
 * keeps it per extension. The rule: it follows the extension on line 1 (the line with index 1,
 * whatever order the lines come in). A phone without a line 1 keeps the phone's default, on.
 */
export function phoneWideCallWaiting(config: PhoneConfig): boolean {
  return config.lines.find((l) => l.index === 1)?.callWaiting !== false;
}
