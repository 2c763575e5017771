/** The formats `exportConfig` writes. */
export type ExportFormat =
  | "systemd"
  | "systemd-user"
  | "supervisord"
  | "runit"
  | "launchd"
  | "upstart"
  | "docker-compose"
  | "kubernetes";

/** One instance of a process type, with the port the caller computed for it. */
export interface ExportInstance {
  /** 1-based instance number: `web.2` has index 2. */
  index: number;
  port: number;
}

/** A Procfile entry and the instances of it to run (none when the formation says 0). */
export interface ExportProcess {
  name: string;
  command: string;
  instances: readonly ExportInstance[];
}

export interface ExportInput {
  /** The app's name; it prefixes every unit, program and service (made safe per format). */
  app: string;
  /** Every Procfile entry, in Procfile order. */
  processes: readonly ExportProcess[];
  /** The variables the `.env` files define (not the inherited environment). PORT and PS are replaced per instance. */
  env: Readonly<Record<string, string>>;
  /** Absolute directory the processes run in. */
  root: string;
  /** Absolute directory the files will be installed in: files that refer to each other use it. */
  location: string;
  /** Seconds between the stop signal and SIGKILL (rounded up where a format wants whole seconds). */
  timeoutSeconds: number;
  /** User to run as (default: the supervisor's own user). */
  user?: string;
  /** Log directory (default `/var/log/<app>`; systemd uses the journal unless set). */
  logDir?: string;
  /** Accepted for Ruby foreman compatibility; no format here writes pid files. */
  runDir?: string;
  /** Container image for docker-compose and kubernetes (default: the app name; compose then also builds `root`). */
  image?: string;
  /** Custom templates by file name, e.g. `{ "process.service": "..." }` (see `FORMAT_INFO[format].templates`). */
  templates?: Readonly<Record<string, string>>;
  /** Produce one file (for printing to stdout): only formats with `FORMAT_INFO[format].singleFile`. */
  singleFile?: boolean;
}

export interface ExportedFile {
  /** Relative to the location, `/`-separated. */
  path: string;
  content: string;
  /** 0o600 for every file that holds `.env` values. */
  mode: number;
  /** A user who must be able to read the file (its program reads it after dropping to that user). */
  owner?: string;
}

export interface FormatInfo {
  name: ExportFormat;
  description: string;
  /** Whether the format is one file, so `foreman export FORMAT -` can print it. */
  singleFile: boolean;
  /** Template file names a custom template directory may provide, under `DIR/<format>/`. */
  templates: readonly string[];
}
