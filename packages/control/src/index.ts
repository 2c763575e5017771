export type { ControlClient, ControlClientOptions, ControlRequestOptions } from "./_client.js";
export { connectControl } from "./_client.js";
export type { ControlErrorCode, ControlErrorOptions } from "./_error.js";
export { ControlError } from "./_error.js";
export type {
  ControlSocketLocation,
  ControlSocketPathOptions,
  EnsureDirectoryOptions,
} from "./_paths.js";
export {
  checkSocketPathLength,
  controlSocketPath,
  ensureControlDirectory,
  MAX_SOCKET_PATH_BYTES,
} from "./_paths.js";
export type {
  ControlErrorPayload,
  ControlEvent,
  ControlMessage,
  ControlReply,
  ControlRequest,
  MessageDecoder,
} from "./_protocol.js";
export {
  CONTROL_PROTOCOL_VERSION,
  createMessageDecoder,
  encodeMessage,
} from "./_protocol.js";
export type {
  ControlCall,
  ControlHandler,
  ControlRequestContext,
  ControlServer,
  ControlServerOptions,
  PeerCheck,
  SocketProbe,
} from "./_server.js";
export { listenControl, probeControlSocket } from "./_server.js";
