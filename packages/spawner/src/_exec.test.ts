import { describe, expect, it } from "vitest";
import { withExec } from "./_exec.js";

describe("withExec", () => {
  it.each([
    ["node server.js", "exec node server.js"],
    ["bundle exec rails s -p $PORT", "exec bundle exec rails s -p $PORT"],
    ['node -e "console.log(1)"', 'node -e "console.log(1)"'],
    ["npm run dev > log.txt", "exec npm run dev > log.txt"],
    ["  ./bin/web  ", "exec ./bin/web"],
    ['"/opt/my app/node" server.js', 'exec "/opt/my app/node" server.js'],
  ])("%j → %j", (command, expected) => {
    expect(withExec(command)).toBe(expected);
  });

  it.each([
    "a && b",
    "a; b",
    "a | b",
    "a &",
    "(cd x && y)",
    "FOO=1 node x",
    "cd web && node x",
    "cd web",
    "echo hi",
    "if true; then x; fi",
    "$CMD --flag",
    "line1\nline2",
    "exec node x",
    "echo `date`",
  ])("keeps %j as the shell would run it", (command) => {
    expect(withExec(command)).toBe(command);
  });
});
