/** `@vodsr/core/host` — The host contract: the HostJob the GPU host receives, its encoding, exit codes and the event lines it prints. */
export * from '../host.js';
export * from '../hostCommand.js';
export * from '../hostJob.js';
