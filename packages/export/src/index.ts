export { ExportError, type ExportErrorCode, type ExportErrorOptions } from "./_error.js";
export {
  defaultTemplate,
  exportConfig,
  exportDockerCompose,
  exportKubernetes,
  exportLaunchd,
  exportRunit,
  exportSupervisord,
  exportSystemd,
  exportSystemdUser,
  exportUpstart,
  FORMAT_INFO,
  FORMATS,
  isExportFormat,
  staleFiles,
} from "./_export.js";
export type {
  ExportedFile,
  ExportFormat,
  ExportInput,
  ExportInstance,
  ExportProcess,
  FormatInfo,
} from "./_types.js";
