import { Command, type Option } from "commander";
import type { Config } from "../config.ts";
import { invalidInput } from "../errors.ts";
import { renderKamailioConfig } from "../pbx/kamailio-config.ts";
import { assertUnique, dialplanHints, pjsipConf, realtimeSql } from "../pbx/asterisk.ts";
import { tenantCredentials } from "../pbx/credentials.ts";
import { listTenants } from "../services/tenants.ts";
import { createWebhook, deleteWebhook, listDeliveries, listWebhooks } from "../pbx/webhooks.ts";
import type { createRuntime } from "../runtime.ts";
import { createToken, verifyToken } from "../services/tokens.ts";

type Runtime = ReturnType<typeof createRuntime>;
type WithRuntime = <T>(opts: Record<string, unknown>, fn: (rt: Runtime) => T) => T;

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `phonehome pbx ...`: what a PBX needs from phonehome (docs/pbx.md). */
export function pbxCommands(deps: { withRuntime: WithRuntime; configFrom: (opts: Record<string, unknown>) => Config; dataDirOption: () => Option }): Command {
  const { withRuntime, configFrom, dataDirOption } = deps;
  const pbx = new Command("pbx").description("wire a PBX to phonehome: Kamailio configuration, exports, change-feed webhooks");

  pbx
    .command("kamailio-config")
    .description("print a complete kamailio.cfg for a registrar of phonehome's extensions (needs PHONEHOME_KAMAILIO_DB or --kamailio-db)")
    .addOption(dataDirOption())
    .requiredOption("--listen <addr:port>", "where Kamailio listens for SIP (UDP and TCP), e.g. 192.0.2.5:5060")
    .option("--registrar-token <token>", "registrar token for the registration webhook (default: a new one is created)")
    .option("--phonehome-url <url>", "phonehome's admin API as Kamailio reaches it (default http://<apiHost>:<apiPort>)")
    .option("--kamailio-db <file>", "the Kamailio SQLite database phonehome keeps current (env PHONEHOME_KAMAILIO_DB)")
    .action(async (opts) => {
      const config = configFrom(opts);
      if (!config.kamailioDb) throw invalidInput("set the Kamailio database with --kamailio-db <file> or PHONEHOME_KAMAILIO_DB (the same as the server's)");
      const phonehomeUrl = opts.phonehomeUrl ?? `http://${config.apiHost.includes(":") ? `[${config.apiHost}]` : config.apiHost}:${config.apiPort}`;
      const cfg = await withRuntime(opts, async (rt) => {
        const draft = { listen: opts.listen, dbFile: config.kamailioDb!, phonehomeUrl };
        // Checks the listen address and URL before a token is made, so bad input changes nothing.
        renderKamailioConfig({ ...draft, registrarToken: `ph_${"x".repeat(43)}` });
        let token = opts.registrarToken as string | undefined;
        if (token !== undefined) {
          const row = await verifyToken(rt, token);
          if (!row || row.role !== "registrar") throw invalidInput("--registrar-token is not an active registrar token of this phonehome");
        } else {
          token = (await createToken(rt, "registrar", "kamailio")).token;
          console.error("phonehome: created registrar token \"kamailio\" for the webhook (it is in the configuration)");
        }
        return renderKamailioConfig({ ...draft, registrarToken: token });
      });
      process.stdout.write(cfg);
    });

  const exp = pbx.command("export").description("write what a PBX needs from phonehome's extensions");
  exp
    .command("asterisk")
    .description("pjsip.conf sections and dialplan hints (default), or Sorcery realtime rows (--format realtime-sql)")
    .addOption(dataDirOption())
    .option("--tenant <tenant>", "only this tenant (default every tenant)")
    .option("--format <format>", "pjsip | realtime-sql", "pjsip")
    .action(async (opts) => {
      if (!["pjsip", "realtime-sql"].includes(opts.format)) throw invalidInput(`--format must be pjsip or realtime-sql, not "${String(opts.format).slice(0, 32)}"`);
      const text = await withRuntime(opts, async (rt) => {
        const names = opts.tenant ? [opts.tenant as string] : (await listTenants(rt)).map((t) => t.name);
        const creds = [];
        for (const n of names) creds.push(...(await tenantCredentials(rt, n)));
        try {
          assertUnique(creds);
        } catch (err) {
          throw invalidInput((err as Error).message);
        }
        return opts.format === "pjsip" ? `${pjsipConf(creds)}\n${dialplanHints(creds)}` : realtimeSql(creds);
      });
      process.stdout.write(text);
    });

  const hook = pbx.command("webhook").description("change-feed webhooks (signed; docs/pbx.md)");
  hook
    .command("add")
    .description("add a webhook and print its signing secret (shown once)")
    .addOption(dataDirOption())
    .requiredOption("--name <name>", "a name, e.g. asterisk-1")
    .requiredOption("--url <url>", "where phonehome POSTs the events")
    .option("--tenant <tenant>", "only this tenant's events (repeatable; default every tenant)", collect)
    .action((opts) =>
      withRuntime(opts, async (rt) => {
        const { webhook, secret } = await createWebhook(rt, { name: opts.name, url: opts.url, ...(opts.tenant ? { tenants: opts.tenant } : {}) });
        console.log(JSON.stringify({ webhook, secret }, null, 2));
      }),
    );
  hook
    .command("list")
    .description("webhooks with their pending, delivered and failed counts")
    .addOption(dataDirOption())
    .action((opts) => withRuntime(opts, async (rt) => console.log(JSON.stringify({ webhooks: await listWebhooks(rt) }, null, 2))));
  hook
    .command("remove <name>")
    .description("remove a webhook and its pending deliveries")
    .addOption(dataDirOption())
    .action((name: string, opts) => withRuntime(opts, (rt) => deleteWebhook(rt, name)));
  hook
    .command("deliveries")
    .description("deliveries, newest first")
    .addOption(dataDirOption())
    .option("--webhook <name>", "one webhook")
    .option("--state <state>", "pending | delivered | failed")
    .action((opts) =>
      withRuntime(opts, async (rt) => console.log(JSON.stringify({ deliveries: await listDeliveries(rt, { webhook: opts.webhook, state: opts.state }) }, null, 2))),
    );
  return pbx;
}
