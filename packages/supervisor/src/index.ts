export { RestartBudget, restartDelayMs } from "./_backoff.js";
export type { SupervisorErrorCode, SupervisorErrorOptions } from "./_error.js";
export { SupervisorError } from "./_error.js";
export type { DependencyGraph } from "./_graph.js";
export { dependentsOf, findDependencyCycles, startLevels, stopStages } from "./_graph.js";
export type {
  LogBuffer,
  LogBufferOptions,
  LogLine,
  LogStream,
  TailOptions,
} from "./_log-buffer.js";
export { createLogBuffer } from "./_log-buffer.js";
export { POLICY_KEYS, parseProcessPolicies } from "./_policy.js";
export type {
  ParsePoliciesOptions,
  ParsePoliciesResult,
  PolicyDiagnostic,
  PolicyDiagnosticCode,
  PolicyLocator,
  ProcessPolicy,
  ReadyCheck,
  RestartPolicy,
} from "./_policy-types.js";
export { DEFAULT_POLICY } from "./_policy-types.js";
export type { ReadyContext } from "./_ready.js";
export { describeReadyCheck, waitForReady } from "./_ready.js";
export { createSupervisor, describeExit, formatDuration } from "./_supervisor.js";
export type {
  ChildExit,
  InstanceInfo,
  InstanceSnapshot,
  InstanceState,
  LaunchedChild,
  OperationReport,
  ProgressEvent,
  ShutdownRequest,
  StopSettings,
  SupervisedChild,
  Supervisor,
  SupervisorClock,
  SupervisorOptions,
} from "./_types.js";
