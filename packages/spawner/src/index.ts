export type { SpawnErrorCode } from "./_error.js";
export { SpawnError } from "./_error.js";
export { ManagedProcess, spawnProcess } from "./_managed-process.js";
export { exitCodeFor, signalNumber } from "./_signals.js";
export type {
  ExitInfo,
  ManagedProcessEvents,
  ProcessSnapshot,
  ProcessSpec,
  ProcessState,
  StopOptions,
} from "./_types.js";
