import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const doc = readFileSync(new URL("../../docs/pbx.md", import.meta.url), "utf8");
const block = (lang: string, after: string) => {
  const from = doc.indexOf(after);
  const m = new RegExp("```" + lang + "\\n([\\s\\S]*?)```").exec(doc.slice(from));
  return m![1]!;
};

describe("registration-feed snippets in docs/pbx.md", () => {
  it("the FreeSWITCH Lua never starts a shell or a process with request data", () => {
    const lua = block("lua", "## FreeSWITCH");
    expect(lua).not.toMatch(/os\.execute|io\.popen|api:execute|system\(/);
    expect(lua).toMatch(/socket\.http/);
    expect(lua).toMatch(/json_string\(e:getHeader\("user-agent"\)\)/);
  });

  it("the Asterisk AMI client hard-codes no tenant and maps AORs through phonehome", () => {
    const py = block("python", "## Asterisk (PJSIP)");
    const code = py.split("\n").filter((l) => !l.trim().startsWith("#")).join("\n");
    expect(code).not.toMatch(/demo\.example/);
    expect(py).not.toMatch(/f"sip:\{e\.AOR\}/);
    expect(py).toMatch(/\/pbx\/tenants\/\{tenant\}\/extensions/);
  });
});

describe("hot-desking snippets in docs/hot-desking.md", () => {
  const hd = readFileSync(new URL("../../docs/hot-desking.md", import.meta.url), "utf8");
  const code = (lang: string, after: string) => {
    const from = hd.indexOf(after);
    return new RegExp("```" + lang + "\\n([\\s\\S]*?)```").exec(hd.slice(from))![1]!;
  };
  const routes = ["sign-in", "release", "deactivate"];

  it("the Asterisk dialplan posts only digits the caller typed, to the documented routes, and branches on OK", () => {
    const ini = code("ini", "### Asterisk");
    expect(ini).toMatch(/extension=\$\{FILTER\(0-9,\$\{EXT\}\)\}&pin=\$\{FILTER\(0-9,\$\{PIN\}\)\}/);
    for (const code of ["9902", "*46", "9999"]) expect(ini).toContain(`exten => ${code},1,`);
    for (const r of routes) expect(ini).toContain(`\${PHONEHOME}/${r},`);
    expect(ini).toMatch(/\$\["\$\{RESULT:0:2\}" = "OK"\]/);
    expect(ini).not.toMatch(/System\(|SHELL\(/);
  });

  it("the FreeSWITCH dialplan takes digits only and posts with mod_curl", () => {
    const xml = code("xml", "### FreeSWITCH");
    expect(xml.match(/play_and_get_digits" data="[^"]* \\d\+"/g)).toHaveLength(2);
    expect(xml).toContain("/api/v1/pbx/hot-desk/sign-in post ");
    expect(xml).toContain("/api/v1/pbx/hot-desk/${hd_action} post ");
    expect(xml).not.toMatch(/system|bgsystem/);
  });

  it("every route the snippets call is one the admin API documents, for the pbx role", async () => {
    const { HOT_DESK_OPERATIONS } = await import("../../src/http/admin/openapi-hot-desk.ts");
    const { roleRefusal } = await import("../../src/services/roles.ts");
    for (const r of routes) {
      expect(HOT_DESK_OPERATIONS.some((o) => o.method === "post" && o.path === `/pbx/hot-desk/${r}` && o.roles === "admin, pbx")).toBe(true);
      expect(roleRefusal("pbx", "POST", `/api/v1/pbx/hot-desk/${r}`)).toBeNull();
      expect(hd).toContain(`/api/v1/pbx/hot-desk/`);
    }
    expect(roleRefusal("pbx", "GET", "/api/v1/hot-desks")).not.toBeNull();
  });

  it("the Kamailio part posts a form with the caller's address and the pbx token", () => {
    const cfg = code("", "### Kamailio");
    expect(cfg).toMatch(/http_client_query\("http:\/\/127\.0\.0\.1:8081\/api\/v1\/pbx\/hot-desk\/\$var\(action\)"/);
    expect(cfg).toContain("Content-Type: application/x-www-form-urlencoded");
    expect(cfg).toContain('$rU == "*46" || $rU == "9999"');
  });
});
