/** `@vodsr/core/host` — The host contract: the HostJob the GPU host receives, its encoding, exit codes and the event lines it prints. */
export {
  buildHostJob,
  decodeHostJob,
  encodeHostJob,
  executionTimeoutSeconds,
  HOST_EXIT_CODES,
  type HostEvent,
  type HostJob,
  type HostProgressEvent,
  type HostResultEvent,
  parseHostEventLine,
  srFileLocation,
} from '../host.js';
