import type { ExportInput } from "../src/index.js";

/** The fixed input of the golden files: two web instances, a worker, a process scaled to 0. */
export const SAMPLE: ExportInput = {
  app: "shop",
  processes: [
    {
      name: "web",
      command: "bundle exec puma -p $PORT",
      instances: [
        { index: 1, port: 5000 },
        { index: 2, port: 5001 },
      ],
    },
    {
      name: "worker",
      command: "bundle exec sidekiq -c 5 # 100% busy",
      instances: [{ index: 1, port: 5100 }],
    },
    { name: "clock", command: "bin/clock", instances: [] },
  ],
  env: {
    DATABASE_URL: "postgres://shop@localhost/shop",
    GREETING: 'it\'s "quoted" $HOME 100%',
    PORT: "9999",
  },
  root: "/srv/shop",
  location: "/etc/foreman",
  timeoutSeconds: 7,
  user: "deploy",
  logDir: "/var/log/shop",
  image: "registry.example.com/shop:1.2",
};

/** Values built to break out of every format's quoting. */
export const HOSTILE_VALUES: Record<string, string> = {
  NEWLINE_DIRECTIVE: "x\nExecStartPre=/bin/touch /tmp/pwned\n[Service]\nUser=root",
  QUOTES: `a'b"c\`d`,
  PERCENT: "%(here)s %n %% 100%",
  DOLLAR: "$HOME ${PATH} $(id) $$",
  BACKSLASH: "C:\\path\\ \\n \\",
  SEMICOLON: "a ; b # c ;d",
  XML: "</string><key>Evil</key><string>&amp;",
  YAML: "key: value\n- item\n---\n{a: b}",
  CR: "line\r\nnext",
  TAB_END: "tab\tinside",
  UNICODE: "caf\u00e9 \u2028 \u0085 \ud83d\ude00",
  EMPTY: "",
};
