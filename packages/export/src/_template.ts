import { ExportError } from "./_error.js";

/**
 * The template language, deliberately tiny so that a template can only arrange values, never
 * compute or unescape them:
 * - `{{name}}` inserts a variable, already quoted for the place the default template uses it.
 *   A value of several lines is indented to the column where `{{name}}` stands.
 * - A line starting with `{{?name}}` is kept only when `name` is not empty, `{{!name}}` only
 *   when it is; the marker itself is removed.
 * Any other `{{…}}` is an error, so a typo never reaches a generated file.
 */
export type TemplateVars = Readonly<Record<string, string>>;

const TOKEN = /\{\{([^{}]*)\}\}/g;
const MARKER = /^(\s*)\{\{\s*([?!])\s*([a-z_]+)\s*\}\}/;

/** Throws `EXPORT_BAD_TEMPLATE` naming the template and line for anything it does not understand. */
export function validateTemplate(text: string, variables: readonly string[], where: string): void {
  const lines = text.split("\n");
  lines.forEach((line, i) => {
    const bad = (message: string, hint?: string): ExportError =>
      new ExportError("EXPORT_BAD_TEMPLATE", `${message}, template ${where}:${i + 1}`, {
        template: where,
        line: i + 1,
        hint: hint ?? `the variables are: ${variables.join(", ")}`,
      });
    if (/<%/.test(line)) {
      throw bad(
        "the template uses ERB tags (<% %>), as Ruby foreman's do",
        `write {{variable}} instead; the variables are: ${variables.join(", ")}`,
      );
    }
    const marker = MARKER.exec(line);
    const rest = marker === null ? line : line.slice(marker[0].length);
    if (marker !== null && !variables.includes(marker[3] as string)) {
      throw bad(`unknown variable "${marker[3]}" in {{${marker[2]}${marker[3]}}}`);
    }
    for (const match of rest.matchAll(TOKEN)) {
      const inner = (match[1] as string).trim();
      if (/^[?!]/.test(inner)) {
        throw bad(
          `{{${inner}}} must start the line`,
          "{{?name}} and {{!name}} keep or drop the whole line they begin",
        );
      }
      if (!variables.includes(inner)) throw bad(`unknown variable "{{${inner}}}"`);
    }
  });
}

/** Renders a validated template. A variable missing from `vars` is a bug in this package. */
export function renderTemplate(text: string, vars: TemplateVars): string {
  const get = (name: string): string => {
    const value = vars[name];
    if (value === undefined) throw new Error(`template variable ${name} has no value`);
    return value;
  };
  const out: string[] = [];
  for (const rawLine of text.split("\n")) {
    let line = rawLine;
    const marker = MARKER.exec(line);
    if (marker !== null) {
      const empty = get(marker[3] as string) === "";
      if ((marker[2] === "?") === empty) continue;
      line = (marker[1] as string) + line.slice(marker[0].length);
    }
    let rendered = "";
    let last = 0;
    for (const match of line.matchAll(TOKEN)) {
      rendered += line.slice(last, match.index);
      last = (match.index as number) + match[0].length;
      const value = get((match[1] as string).trim()).replace(/\n+$/, "");
      if (!value.includes("\n")) {
        rendered += value;
        continue;
      }
      const column = rendered.slice(rendered.lastIndexOf("\n") + 1).replace(/[^\t]/g, " ");
      rendered += value
        .split("\n")
        .map((part, j) => (j === 0 || part === "" ? part : column + part))
        .join("\n");
    }
    out.push(rendered + line.slice(last));
  }
  return out.join("\n");
}
