export { EnvError, type EnvErrorOptions } from "./_error.js";
export { formatDiagnostic } from "./_format.js";
export { loadEnv } from "./_load.js";
export { parseEnv } from "./_parse.js";
export { DEFAULT_MAX_ENV_BYTES } from "./_read.js";
export type {
  EnvDiagnostic,
  EnvDiagnosticCode,
  EnvErrorCode,
  EnvFileSpec,
  EnvSource,
  LoadEnvOptions,
  LoadEnvResult,
  ParseEnvOptions,
  ParseEnvResult,
  Severity,
} from "./_types.js";
