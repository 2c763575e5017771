import { describe, expect, it } from "vitest";
import { parseProcfile } from "./_parse.js";

type Entry = [name: string, command: string, line: number];
type Diagnostic = [code: string, severity: "error" | "warning", line: number, column: number];

function summary(source: string): { entries: Entry[]; diagnostics: Diagnostic[] } {
  const result = parseProcfile(source);
  return {
    entries: result.entries.map((e): Entry => [e.name, e.command, e.line]),
    diagnostics: result.diagnostics.map((d): Diagnostic => [d.code, d.severity, d.line, d.column]),
  };
}

// Built from pieces so it reads as the literal shell text `${PORT:-3000}`, not a JS placeholder.
const RAILS_COMMAND = ["bin/rails s -p $", "{PORT:-3000} $ARGS"].join("");
const NO_PROCESSES: Diagnostic = ["PROCFILE_NO_PROCESSES", "error", 1, 1];

describe("parseProcfile: entries", () => {
  it.each<[string, string, Entry[]]>([
    ["a single entry", "web: node server.js", [["web", "node server.js", 1]]],
    ["a trailing newline", "web: node server.js\n", [["web", "node server.js", 1]]],
    [
      "no space after the colon (Ruby's \\s*)",
      "web:node server.js",
      [["web", "node server.js", 1]],
    ],
    ["tabs after the colon", "web:\t\tnode server.js", [["web", "node server.js", 1]]],
    [
      "several entries",
      "web: a\nworker: b\n",
      [
        ["web", "a", 1],
        ["worker", "b", 2],
      ],
    ],
    [
      "LF, CRLF and CR line ends",
      "a: 1\r\nb: 2\rc: 3\nd: 4",
      [
        ["a", "1", 1],
        ["b", "2", 2],
        ["c", "3", 3],
        ["d", "4", 4],
      ],
    ],
    [
      "CRLF everywhere",
      "web: a\r\nworker: b\r\n",
      [
        ["web", "a", 1],
        ["worker", "b", 2],
      ],
    ],
    ["a UTF-8 byte-order mark", "\uFEFFweb: a\n", [["web", "a", 1]]],
    ["trailing whitespace trimmed", "web: a  \t\n", [["web", "a", 1]]],
    [
      "`#` kept in a command",
      "web: echo a # not a comment",
      [["web", "echo a # not a comment", 1]],
    ],
    ["`$` kept in a command", `web: ${RAILS_COMMAND}`, [["web", RAILS_COMMAND, 1]]],
    ["quotes and && kept", `web: sh -c 'a && b' "c"`, [["web", `sh -c 'a && b' "c"`, 1]]],
    ["inner runs of spaces kept", "web: a   b", [["web", "a   b", 1]]],
    ["a colon in the command", "web: echo foo: bar", [["web", "echo foo: bar", 1]]],
    ["name characters _ - digits upper case", "Web_2-x: a", [["Web_2-x", "a", 1]]],
    ["blank lines and comments skipped", "\n  \n# c\n  # c2\nweb: a\n\t\n", [["web", "a", 5]]],
    [
      "a URL-looking line is an entry, as in Ruby",
      "http://example.com",
      [["http", "//example.com", 1]],
    ],
    [
      "template tags inside a command are kept",
      "redis: redis-server <%= conf %>",
      [["redis", "redis-server <%= conf %>", 1]],
    ],
    [
      "control characters kept byte for byte",
      "web: printf '\u001b[1m'",
      [["web", "printf '\u001b[1m'", 1]],
    ],
  ])("%s", (_label, source, entries) => {
    expect(summary(source)).toEqual({ entries, diagnostics: [] });
  });
});

describe("parseProcfile: diagnostics", () => {
  it.each<[string, string, Entry[], Diagnostic[]]>([
    ["empty file", "", [], [NO_PROCESSES]],
    ["only comments", "# web: a\n\n", [], [NO_PROCESSES]],
    ["only a BOM", "\uFEFF", [], [NO_PROCESSES]],
    [
      "space before the colon",
      "web: a\nerror : ruby ./error",
      [["web", "a", 1]],
      [["PROCFILE_SPACE_BEFORE_COLON", "error", 2, 6]],
    ],
    [
      "no command",
      "web: a\nworker:",
      [["web", "a", 1]],
      [["PROCFILE_EMPTY_COMMAND", "error", 2, 8]],
    ],
    [
      "whitespace-only command",
      "web: a\nworker:   ",
      [["web", "a", 1]],
      [["PROCFILE_EMPTY_COMMAND", "error", 2, 8]],
    ],
    [
      "invalid name character",
      "web: a\nmy.app: b",
      [["web", "a", 1]],
      [["PROCFILE_INVALID_NAME", "error", 2, 3]],
    ],
    ["empty name", "web: a\n: b", [["web", "a", 1]], [["PROCFILE_INVALID_NAME", "error", 2, 1]]],
    [
      "a space inside the name",
      "web: a\nmy app: b",
      [["web", "a", 1]],
      [["PROCFILE_INVALID_NAME", "error", 2, 3]],
    ],
    [
      "no colon",
      "web: a\nticker ./ticker $PORT",
      [["web", "a", 1]],
      [["PROCFILE_MISSING_COLON", "error", 2, 1]],
    ],
    [
      "no colon at all",
      "ticker ./ticker",
      [],
      [["PROCFILE_MISSING_COLON", "error", 1, 1], NO_PROCESSES],
    ],
    [
      "merge-conflict markers",
      "web: a\n<<<<<<< HEAD\nw: b\n=======\nw: c\n>>>>>>> main\n",
      [
        ["web", "a", 1],
        ["w", "b", 3],
      ],
      [
        ["PROCFILE_MERGE_CONFLICT", "error", 2, 1],
        ["PROCFILE_MERGE_CONFLICT", "error", 4, 1],
        ["PROCFILE_DUPLICATE_NAME", "error", 5, 1],
        ["PROCFILE_MERGE_CONFLICT", "error", 6, 1],
      ],
    ],
    [
      "diff3 base marker",
      "web: a\n||||||| base",
      [["web", "a", 1]],
      [["PROCFILE_MERGE_CONFLICT", "error", 2, 1]],
    ],
    [
      "ERB tag",
      "web: a\n<% if x %>",
      [["web", "a", 1]],
      [["PROCFILE_TEMPLATE_TAG", "error", 2, 1]],
    ],
    [
      "ERB tag before an entry",
      "web: a\n<%= '#' if x %>w: b",
      [["web", "a", 1]],
      [["PROCFILE_TEMPLATE_TAG", "error", 2, 1]],
    ],
    [
      "ERB tag in the name",
      "web: a\nw-<%=i%>: b",
      [["web", "a", 1]],
      [["PROCFILE_TEMPLATE_TAG", "error", 2, 3]],
    ],
    [
      "Jinja statement",
      "web: a\n{%- if celery %}",
      [["web", "a", 1]],
      [["PROCFILE_TEMPLATE_TAG", "error", 2, 1]],
    ],
    [
      "Jinja expression",
      "web: a\n{{ name }}: run",
      [["web", "a", 1]],
      [["PROCFILE_TEMPLATE_TAG", "error", 2, 1]],
    ],
    [
      "braces later in a colon-less line are not a template",
      "web: a\ndocker inspect -f '{{.Name}}'",
      [["web", "a", 1]],
      [["PROCFILE_MISSING_COLON", "error", 2, 1]],
    ],
    [
      "duplicate name keeps the first",
      "web: a\nweb: b\n",
      [["web", "a", 1]],
      [["PROCFILE_DUPLICATE_NAME", "error", 2, 1]],
    ],
    [
      "indented entry accepted with a warning",
      "   web: echo foo: bar   ",
      [["web", "echo foo: bar", 1]],
      [["PROCFILE_INDENTED_ENTRY", "warning", 1, 1]],
    ],
    [
      "tab-indented entry",
      "\tweb: a",
      [["web", "a", 1]],
      [["PROCFILE_INDENTED_ENTRY", "warning", 1, 1]],
    ],
    [
      "YAML block",
      "web: a\nrelease: |\n  php artisan x && \\\n  php artisan y\n  # php artisan z\n\nworker: b",
      [
        ["web", "a", 1],
        ["release", "|", 2],
        ["worker", "b", 7],
      ],
      [
        ["PROCFILE_YAML_BLOCK", "error", 2, 10],
        ["PROCFILE_YAML_BLOCK", "error", 3, 3],
        ["PROCFILE_YAML_BLOCK", "error", 4, 3],
      ],
    ],
    [
      "folded YAML header",
      "release: >-",
      [["release", ">-", 1]],
      [["PROCFILE_YAML_BLOCK", "error", 1, 10]],
    ],
    [
      "a YAML block ends at a non-indented line",
      "release: |\nfoo bar\n  baz",
      [["release", "|", 1]],
      [
        ["PROCFILE_YAML_BLOCK", "error", 1, 10],
        ["PROCFILE_MISSING_COLON", "error", 2, 1],
        ["PROCFILE_MISSING_COLON", "error", 3, 3],
      ],
    ],
    [
      "backslash line continuation",
      "web: a && \\\n  b && \\\n  c\n  d",
      [["web", "a && \\", 1]],
      [
        ["PROCFILE_LINE_CONTINUATION", "error", 2, 3],
        ["PROCFILE_LINE_CONTINUATION", "error", 3, 3],
        ["PROCFILE_MISSING_COLON", "error", 4, 3],
      ],
    ],
    [
      "an entry after a backslash is still an entry",
      "web: a \\\nworker: b",
      [
        ["web", "a \\", 1],
        ["worker", "b", 2],
      ],
      [],
    ],
    [
      "long name warning",
      `${"n".repeat(64)}: a`,
      [["n".repeat(64), "a", 1]],
      [["PROCFILE_LONG_NAME", "warning", 1, 1]],
    ],
    ["63 characters is fine", `${"n".repeat(63)}: a`, [["n".repeat(63), "a", 1]], []],
    [
      "NUL byte: one diagnostic, no entries",
      "web: a\nworker: b\u0000c\n",
      [],
      [["PROCFILE_BINARY", "error", 2, 10]],
    ],
    [
      "U+FFFD on an entry line",
      "web: a\nworker: caf\uFFFD\n",
      [["web", "a", 1]],
      [["PROCFILE_BINARY", "error", 2, 12]],
    ],
    ["U+FFFD in a comment is harmless", "# caf\uFFFD\nweb: a", [["web", "a", 2]], []],
    [
      "columns count code points",
      "web: a\n😀x: b",
      [["web", "a", 1]],
      [["PROCFILE_INVALID_NAME", "error", 2, 1]],
    ],
    [
      "column after an astral character",
      "web: a\nab😀 : b",
      [["web", "a", 1]],
      [["PROCFILE_INVALID_NAME", "error", 2, 3]],
    ],
    [
      "mid-file BOM is not whitespace",
      "web: a\n\uFEFFworker: b",
      [["web", "a", 1]],
      [["PROCFILE_INVALID_NAME", "error", 2, 1]],
    ],
    [
      "space before colon and no command",
      "web: a\nworker :",
      [["web", "a", 1]],
      [["PROCFILE_SPACE_BEFORE_COLON", "error", 2, 7]],
    ],
  ])("%s", (_label, source, entries, diagnostics) => {
    expect(summary(source)).toEqual({ entries, diagnostics });
  });

  it("quotes the line, escapes control characters and truncates long lines", () => {
    const [escaped] = parseProcfile("\u001b[31mred\u0007 ./x").diagnostics;
    expect(escaped?.message).toContain("`\\x1b[31mred\\x07 ./x`");
    const long = `bad line ${"x".repeat(200)}`;
    const [truncated] = parseProcfile(long).diagnostics;
    expect(truncated?.message).toContain(`\`${long.slice(0, 79)}…\``);
    expect(truncated?.message).not.toContain(long);
  });

  it.each<[string, string, string]>([
    ["PROCFILE_SPACE_BEFORE_COLON", "error : ruby ./error", "did you mean `error: ruby ./error`?"],
    ["PROCFILE_MISSING_COLON", "ticker ./ticker $PORT", "did you mean `ticker: ./ticker $PORT`?"],
    ["PROCFILE_INVALID_NAME", "my.app: run it", "did you mean `my-app: run it`?"],
    ["PROCFILE_EMPTY_COMMAND", "worker:", "`worker: node server.js`"],
    ["PROCFILE_NO_PROCESSES", "", "`web: node server.js`"],
    ["PROCFILE_DUPLICATE_NAME", "web: a\nweb: b", "`web-2: b`"],
    ["PROCFILE_MERGE_CONFLICT", "<<<<<<< HEAD", "resolve the conflict"],
    ["PROCFILE_TEMPLATE_TAG", "<% end %>", "render the template"],
    ["PROCFILE_YAML_BLOCK", "release: |", "`release: ./bin/release.sh`"],
    ["PROCFILE_INDENTED_ENTRY", "  web: a", "`web: a`"],
  ])("%s hints: %s", (code, source, hint) => {
    const diagnostic = parseProcfile(source).diagnostics.find((d) => d.code === code);
    expect(diagnostic?.hint).toContain(hint);
  });

  it("names both lines of a duplicate", () => {
    const [duplicate] = parseProcfile("web: a\n\nweb: b").diagnostics;
    expect(duplicate?.message).toContain("line 3");
    expect(duplicate?.message).toContain("line 1");
  });

  it("sets diagnostic.file from options.filename", () => {
    const { diagnostics } = parseProcfile("oops", { filename: "Procfile.dev" });
    expect(diagnostics.map((d) => d.file)).toEqual(["Procfile.dev", "Procfile.dev"]);
    expect(parseProcfile("oops").diagnostics[0]).not.toHaveProperty("file");
  });

  it("does not throw on a non-string from untyped callers", () => {
    const { entries, diagnostics } = parseProcfile(undefined as unknown as string);
    expect(entries).toEqual([]);
    expect(diagnostics.map((d) => d.code)).toEqual(["PROCFILE_NO_PROCESSES"]);
  });
});
