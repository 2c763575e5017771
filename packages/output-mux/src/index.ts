export { formatClock } from "./_clock.js";
export { PROCESS_COLORS, processColor, RESET, SYSTEM_COLOR } from "./_colors.js";
export { OutputMuxError, type OutputMuxErrorCode, type OutputMuxErrorOptions } from "./_error.js";
export {
  createFileOutput,
  type FileOutput,
  type FileOutputOptions,
  isRegularFile,
} from "./_file-output.js";
export { createOutputMux } from "./_mux.js";
export { nameWidthFor, type PrefixParts, prefixText } from "./_prefix.js";
export type { OutputMux, OutputMuxEvents, OutputMuxOptions, SourceOptions } from "./_types.js";
