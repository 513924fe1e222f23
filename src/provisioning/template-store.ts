import { existsSync, readdirSync, readFileSync, statSync, watch, type FSWatcher } from "node:fs";
import { join, relative, sep } from "node:path";
import Handlebars from "handlebars";
import type { TemplateSet, Vendor, VendorId } from "../vendors/vendor.ts";

/**
 * Loads and compiles `templates/<vendor>/**\/*.hbs` once. A site may override any template by
 * putting a file of the same relative name under its own templates folder; files in
 * `partials/` are registered as partials by their base name.
 *
 * Templates are compiled with escaping off and strict lookups: adapters pass contexts whose every
 * string already went through the vendor's encoder, and a misspelt field fails loudly instead of
 * rendering an empty value into a phone's config.
 */
export interface TemplateStore {
  forVendor(vendor: VendorId): TemplateSet;
  /** Names (relative, without `.hbs`) known for a vendor; for the start-up sanity check. */
  names(vendor: VendorId): readonly string[];
  /** Grows each time the templates are reloaded from disk; the render cache keys on it. */
  readonly generation: number;
}

function listTemplates(dir: string): Map<string, string> {
  const found = new Map<string, string>();
  if (!existsSync(dir)) return found;
  const walk = (d: string): void => {
    for (const entry of readdirSync(d)) {
      const full = join(d, entry);
      if (statSync(full).isDirectory()) walk(full);
      else if (entry.endsWith(".hbs")) found.set(relative(dir, full).split(sep).join("/").slice(0, -4), full);
    }
  };
  walk(dir);
  return found;
}

function createHandlebars(): typeof Handlebars {
  const hb = Handlebars.create();
  hb.registerHelper("eq", (a: unknown, b: unknown) => a === b);
  return hb;
}

export function loadTemplateStore(vendorIds: readonly VendorId[], dirs: readonly string[]): TemplateStore {
  const sets = new Map<VendorId, { set: TemplateSet; names: string[] }>();
  for (const vendor of vendorIds) {
    // Later directories override earlier ones: built-in first, site overrides last.
    const files = new Map<string, string>();
    for (const dir of dirs) for (const [name, path] of listTemplates(join(dir, vendor))) files.set(name, path);
    const hb = createHandlebars();
    const compiled = new Map<string, HandlebarsTemplateDelegate>();
    for (const [name, path] of files) {
      const source = readFileSync(path, "utf8");
      if (name.startsWith("partials/")) hb.registerPartial(name.slice("partials/".length), source);
      else compiled.set(name, hb.compile(source, { noEscape: true, strict: true }));
    }
    const set: TemplateSet = {
      render(candidates, context) {
        for (const name of candidates) {
          const tpl = compiled.get(name);
          if (tpl) return tpl(context);
        }
        throw new Error(`no template among ${candidates.join(", ")} for ${vendor}`);
      },
    };
    sets.set(vendor, { set, names: [...compiled.keys()].sort() });
  }
  return {
    forVendor(vendor) {
      const s = sets.get(vendor);
      if (!s) throw new Error(`templates of ${vendor} were not loaded`);
      return s.set;
    },
    names: (vendor) => sets.get(vendor)?.names ?? [],
    generation: 0,
  };
}

export interface WatchedTemplateStore extends TemplateStore {
  close(): void;
}

/**
 * The template store of a running server: it watches the template folders (inotify, through
 * `fs.watch`) and reloads them all on any change, so an edited site template reaches the next
 * fetch after the write without a restart, and cached files rendered with the old one are no
 * longer served (the generation moves). A reload that fails (a syntax error, a required template
 * removed) keeps the previous templates and reports the error; the next change tries again.
 */
export function watchTemplateStore(vendors: readonly Vendor[], dirs: readonly string[], onError: (err: unknown) => void): WatchedTemplateStore {
  const ids = vendors.map((v) => v.id);
  let current = loadTemplateStore(ids, dirs);
  let generation = 0;
  let dirty = false;
  const reload = () => {
    if (!dirty) return;
    dirty = false;
    try {
      const next = loadTemplateStore(ids, dirs);
      const missing = missingTemplates(next, vendors);
      if (missing.length) throw new Error(`templates missing: ${missing.join(", ")}`);
      current = next;
      generation++;
    } catch (err) {
      onError(err);
    }
  };
  const watchers: FSWatcher[] = [];
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    try {
      const w = watch(dir, { recursive: true, persistent: false }, () => {
        dirty = true;
      });
      w.on("error", onError);
      watchers.push(w);
    } catch (err) {
      onError(err);
    }
  }
  return {
    forVendor(vendor) {
      reload();
      return current.forVendor(vendor);
    },
    names: (vendor) => current.names(vendor),
    get generation() {
      reload();
      return generation;
    },
    close: () => watchers.forEach((w) => w.close()),
  };
}

/** Start-up check: every template a vendor requires exists. Returns the missing ones. */
export function missingTemplates(store: TemplateStore, vendors: readonly Vendor[]): string[] {
  const missing: string[] = [];
  for (const v of vendors) {
    const have = new Set(store.names(v.id));
    for (const name of v.requiredTemplates) if (!have.has(name)) missing.push(`${v.id}/${name}.hbs`);
  }
  return missing;
}
