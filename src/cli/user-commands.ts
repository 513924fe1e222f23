import { Command, Option } from "commander";
import { invalidInput, notFound } from "../errors.ts";
import type { createRuntime } from "../runtime.ts";
import { createSystemUser, disableSystemUser, findAccount, listSystemUsers, setPassword, SYSTEM_ROLES } from "../portal/accounts.ts";
import { hashPassword, passwordProblem } from "../portal/passwords.ts";
import { randomPassword } from "../secrets.ts";

type Runtime = ReturnType<typeof createRuntime>;
type WithRuntime = <T>(opts: Record<string, unknown>, fn: (rt: Runtime) => T) => T;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8").replace(/\r?\n$/, "");
}

/** The password from stdin (checked) or a generated one (printed once by the caller). */
async function passwordFrom(opts: { passwordStdin?: boolean }): Promise<{ password: string; generated: boolean }> {
  if (!opts.passwordStdin) return { password: randomPassword(20), generated: true };
  const password = await readStdin();
  const problem = passwordProblem(password);
  if (problem) throw invalidInput(`password: ${problem}`);
  return { password, generated: false };
}

const collect = (v: string, prev: string[]) => [...prev, v];

/** `phonehome user ...`: portal accounts (docs/portal.md, docs/cli.md). */
export function userCommands(withRuntime: WithRuntime, dataDirOption: () => Option): Command {
  const cmd = new Command("user").description("portal accounts: system accounts and extension users' passwords");
  cmd
    .command("create")
    .description("create a system account; prints the generated password once")
    .addOption(dataDirOption())
    .requiredOption("--username <name>", "account name (letters, digits, . _ -)")
    .requiredOption("--role <role>", SYSTEM_ROLES.join(" | "))
    .option("--tenant <tenant>", "limit the account to this tenant (repeat for several; default every tenant)", collect, [])
    .option("--email <address>", "email for sign-in codes and reset links")
    .option("--two-step", "require a one-time code sent to --email at sign-in")
    .option("--password-stdin", "read the password from standard input instead of generating one")
    .action(async (opts) => {
      const { password, generated } = await passwordFrom(opts);
      const hash = await hashPassword(password);
      await withRuntime(opts, async (rt) => {
        const u = await createSystemUser(rt, { username: opts.username, role: opts.role, tenants: opts.tenant, email: opts.email ?? null, twoStep: !!opts.twoStep }, hash);
        console.log(`account ${u.username} created (${u.role}, ${u.tenants ? `tenants ${u.tenants.join(", ")}` : "every tenant"})`);
        if (generated) console.log(`password: ${password}`);
      });
    });
  cmd
    .command("password <name>")
    .description("set the portal password of a system account or of an extension user (username@tenant); generated and printed unless --password-stdin")
    .addOption(dataDirOption())
    .option("--password-stdin", "read the password from standard input")
    .action(async (name: string, opts) => {
      const { password, generated } = await passwordFrom(opts);
      const hash = await hashPassword(password);
      await withRuntime(opts, async (rt) => {
        const subject = await findAccount(rt, name);
        if (!subject) throw notFound(`no account ${name} (a system account name, or username@tenant for an extension user)`);
        await setPassword(rt, subject, hash);
        console.log(`password of ${subject.username} set; its sessions were signed out`);
        if (subject.kind === "extension" && subject.disabled) console.log("note: this extension's profile does not allow login (loginAllowed false)");
        if (generated) console.log(`password: ${password}`);
      });
    });
  cmd
    .command("list")
    .description("list system accounts")
    .addOption(dataDirOption())
    .action((opts) =>
      withRuntime(opts, async (rt) => {
        for (const u of await listSystemUsers(rt)) {
          console.log(`${u.username}\t${u.role}\t${u.tenants ? u.tenants.join(",") : "*"}\t${u.disabled ? "disabled" : u.passwordHash ? "active" : "no password"}${u.twoStep ? "\ttwo-step" : ""}`);
        }
      }),
    );
  cmd
    .command("disable <name>")
    .description("disable a system account and sign out its sessions")
    .addOption(dataDirOption())
    .action((name: string, opts) =>
      withRuntime(opts, async (rt) => {
        await disableSystemUser(rt, name);
        console.log(`account ${name} disabled`);
      }),
    );
  return cmd;
}
