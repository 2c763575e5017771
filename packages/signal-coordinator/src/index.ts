export { createShutdownCoordinator } from "./_coordinator.js";
export { SignalCoordinatorError, type SignalCoordinatorErrorOptions } from "./_error.js";
export { exitCodeFor } from "./_exit-code.js";
export type {
  ProcessLike,
  ShutdownCoordinator,
  ShutdownCoordinatorOptions,
  ShutdownReason,
  ShutdownResult,
  StoppableProcess,
  TrackOptions,
  Watchdog,
  WatchdogOptions,
} from "./_types.js";
export { removeStalePins, startWatchdog } from "./_watchdog.js";
