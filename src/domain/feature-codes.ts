/**
 * The default star-code table of a tenant, from the operator documentation the product grew from
 * (shared seed "star codes and numbering"). A code that takes a suffix (an extension, a number)
 * is stored as its prefix: directed pickup `*35` is dialled as `*35<ext>`.
 */
export const DEFAULT_FEATURE_CODES = {
  park: "***",
  directed_pickup: "*35",
  pickup_any: "*36",
  pickup_department: "*37",
  forward_activate: "*40",
  forward_busy_set: "*41",
  forward_no_answer_set: "*42",
  pull_call: "*44",
  hot_desk_release: "*46",
  require_pin: "*48",
  require_extension: "*49",
  intercom: "*50",
  park_retrieve: "*55",
  anonymous_once: "*67",
  call_return: "*69",
  forward_on: "*72",
  forward_off: "*73",
  night_mode_on: "*74",
  night_mode_off: "*75",
  night_mode_toggle: "*76",
  reject_anonymous_on: "*77",
  dnd_on: "*78",
  dnd_off: "*79",
  record_on: "*80",
  record_off: "*81",
  record_pause: "*82",
  record_unpause: "*83",
  reject_anonymous_off: "*87",
  agent_available: "*88",
  agent_unavailable: "*89",
  forward_busy_on: "*90",
  forward_busy_off: "*91",
  forward_no_answer_on: "*92",
  forward_no_answer_off: "*93",
  transfer_4digit: "*97",
  transfer_3digit: "*98",
  transfer_self: "*99",
  voicemail_transfer: "7",
  account_code: "99",
  voicemail_login: "9900",
  voicemail: "9901",
  hot_desk_sign_in: "9902",
  hot_desk_deactivate: "9999",
} as const;

export type FeatureName = keyof typeof DEFAULT_FEATURE_CODES;
export type FeatureCodes = Readonly<Record<FeatureName, string>>;

export function isFeatureName(value: string): value is FeatureName {
  return Object.hasOwn(DEFAULT_FEATURE_CODES, value);
}

/** Dial strings may hold digits, `*` and `#` only: anything else could not be dialled by a phone. */
export const DIAL_STRING = /^\+?[0-9*#]{1,32}$/;

/** The softkeys every phone with softkeys gets, in this order, each dialling a tenant code. */
export const STANDARD_SOFTKEYS: readonly { feature: FeatureName; label: string }[] = [
  { feature: "dnd_on", label: "DND On" },
  { feature: "dnd_off", label: "DND Off" },
  { feature: "forward_on", label: "Fwd On" },
  { feature: "forward_off", label: "Fwd Off" },
  { feature: "park", label: "Park" },
  { feature: "voicemail", label: "Voicemail" },
];

/** The tenant's rows over the defaults, so a code added by a later release has a value. */
export function featureCodesFrom(rows: readonly { name: string; code: string }[]): FeatureCodes {
  const codes: Record<string, string> = { ...DEFAULT_FEATURE_CODES };
  for (const r of rows) codes[r.name] = r.code;
  return codes as FeatureCodes;
}
