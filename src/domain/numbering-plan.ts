/**
 * The numbering plan of the operator's star-code document (shared seed "star codes and
 * numbering"): restricted ranges refuse an extension number, recommended ranges only warn when a
 * number is in none of them. Ranges compare numeric values, inclusive at both ends.
 */
export interface NumberRange {
  readonly from: number;
  readonly to: number;
  readonly purpose: string;
}

export interface NumberingPlan {
  readonly restricted: readonly NumberRange[];
  readonly recommended: readonly NumberRange[];
}

const r = (from: number, to: number, purpose: string): NumberRange => ({ from, to, purpose });

export const DEFAULT_NUMBERING_PLAN: NumberingPlan = {
  restricted: [
    r(0, 99, "Reserved for internal use"),
    r(211, 211, "FCC standard for community support information (free and confidential services) in some regions of the United States"),
    r(311, 311, "FCC standard for municipal government services (non-emergency line) in some regions of the United States"),
    r(411, 411, "Local Directory Assistance"),
    r(511, 511, "FCC standard to access traveler information services in some regions of Canada and the United States"),
    r(611, 611, "Customer Service"),
    r(711, 711, "FCC requirement to connect a deaf caller to a Telephone Relay Service"),
    r(811, 811, "Call Before You Dig"),
    r(911, 911, "Emergency Services"),
    r(933, 933, "Emergency Testing"),
    r(988, 988, "National Suicide Hotline"),
    r(700, 719, "Call Parking without Ringback"),
    r(720, 799, "Call Parking with Ringback"),
    r(5000, 5000, "Unregistered Login to Voicemail – Prompts for extension and password"),
    r(5001, 5001, "Registered Login to Voicemail – Prompts for password only"),
    r(9900, 9900, "Unregistered Login to Voicemail – Prompts for extension and password"),
    r(9901, 9901, "Registered Login to Voicemail – Prompts for password only"),
    r(9902, 9902, "Hot Desking Sign In"),
    r(7000, 7999, "Transfer to Voicemail"),
    r(9900, 9999, "Reserved for System Features"),
  ],
  recommended: [
    r(100, 599, "User Extensions"),
    r(800, 899, "User Extensions"),
    r(1000, 4999, "User Extensions"),
    r(5003, 6999, "User Extensions"),
    r(8000, 8999, "User Extensions"),
    r(9000, 9099, "Auto Attendants"),
    r(9100, 9199, "Call Queues (Excluding Call Parks)"),
    r(9200, 9299, "Special Extensions such as Forwarding Users, Call Routing Users, Analog/Paging Systems, & Fax Users"),
  ],
};

const span = (x: NumberRange) => (x.from === x.to ? `${x.from}` : `${x.from}-${x.to}`);

export interface NumberCheck {
  /** Set when the number is refused: names the range and its purpose. */
  readonly error: string | null;
  readonly warnings: string[];
}

/** Checks an extension number against a plan. */
export function checkNumber(plan: NumberingPlan, number: string): NumberCheck {
  const n = Number(number);
  const hit = plan.restricted.find((x) => n >= x.from && n <= x.to);
  if (hit) return { error: `${number} is in the restricted range ${span(hit)} (${hit.purpose})`, warnings: [] };
  const rec = plan.recommended.find((x) => n >= x.from && n <= x.to);
  if (rec) return { error: null, warnings: [] };
  return {
    error: null,
    warnings: [`${number} is in no recommended range (${plan.recommended.map((x) => `${span(x)} ${x.purpose}`).join("; ")})`],
  };
}
