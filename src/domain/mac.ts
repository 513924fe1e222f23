/** A MAC address normalised to 12 lowercase hex digits, the form every vendor puts in file names. */
export type Mac = string & { readonly __brand: "Mac" };

// Accepted notations: 805ec0a1b2c3, 80:5E:C0:A1:B2:C3, 80-5e-c0-a1-b2-c3, 805e.c0a1.b2c3 (Cisco style).
const NOTATIONS: readonly RegExp[] = [
  /^[0-9a-f]{12}$/,
  /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/,
  /^[0-9a-f]{2}(-[0-9a-f]{2}){5}$/,
  /^[0-9a-f]{4}(\.[0-9a-f]{4}){2}$/,
];

/** Returns the normalised MAC, or null when the input is not a MAC in any common notation. */
export function parseMac(input: string): Mac | null {
  const s = input.trim().toLowerCase();
  if (!NOTATIONS.some((re) => re.test(s))) return null;
  const hex = s.replace(/[:.-]/g, "");
  // All-zero and broadcast are never a phone (000000000000 is Polycom's shared master file name).
  if (hex === "000000000000" || hex === "ffffffffffff") return null;
  return hex as Mac;
}

export function isMac(value: string): value is Mac {
  return /^[0-9a-f]{12}$/.test(value) && parseMac(value) !== null;
}

/** Formats a normalised MAC with a separator between octets: `80:5e:c0:a1:b2:c3`. */
export function formatMac(mac: Mac, separator = ":"): string {
  return mac.match(/../g)!.join(separator);
}

/** First three octets, lowercase hex, no separator: `805ec0`. */
export function ouiOf(mac: Mac): string {
  return mac.slice(0, 6);
}
