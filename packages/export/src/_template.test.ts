import { describe, expect, it } from "vitest";
import { renderTemplate, validateTemplate } from "./_template.js";
import { DEFAULT_TEMPLATES } from "./_templates.js";

describe("renderTemplate", () => {
  it.each([
    ["a={{x}}", { x: "1" }, "a=1"],
    ["a={{ x }}", { x: "1" }, "a=1"],
    ["{{?x}}kept {{x}}\nnext", { x: "1" }, "kept 1\nnext"],
    ["{{?x}}dropped\nnext", { x: "" }, "next"],
    ["{{!x}}kept\n{{?x}}dropped", { x: "" }, "kept"],
    ["  {{?x}}indented {{x}}", { x: "y" }, "  indented y"],
    ["list:\n  {{x}}\nend", { x: "a: 1\nb: 2\n" }, "list:\n  a: 1\n  b: 2\nend"],
    ["k: {{x}}", { x: "{{y}}" }, "k: {{y}}"],
  ])("%j with %j", (text, vars, expected) => {
    expect(renderTemplate(text, vars)).toBe(expected);
  });
});

describe("validateTemplate", () => {
  it.each([
    ["x={{nope}}", /unknown variable "\{\{nope\}\}", template t:1/],
    ["ok\n{{?nope}}x", /unknown variable "nope"/],
    ["a {{?x}}", /must start the line/],
    ["<%= app %>", /ERB/],
  ])("rejects %j", (text, message) => {
    expect(() => validateTemplate(text, ["x"], "t")).toThrow(message);
    try {
      validateTemplate(text, ["x"], "t");
    } catch (error) {
      expect((error as { code: string }).code).toBe("EXPORT_BAD_TEMPLATE");
    }
  });

  it("accepts every default template with its declared variables", () => {
    for (const [format, templates] of Object.entries(DEFAULT_TEMPLATES)) {
      for (const [name, spec] of Object.entries(templates)) {
        expect(() =>
          validateTemplate(spec.text, spec.variables, `${format}/${name}`),
        ).not.toThrow();
      }
    }
  });
});
