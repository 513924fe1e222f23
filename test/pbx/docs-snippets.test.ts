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
