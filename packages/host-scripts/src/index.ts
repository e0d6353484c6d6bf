export * from './agent/index.js';
export {
  AGENT_BUNDLE_PATH,
  AGENT_LAUNCHER_PATH,
  DEFAULT_RUNNER_PATH,
  HOST_SCRIPT_PATH,
  type HostCommandOptions,
  hostCommand,
  INSTALL_SCRIPT_PATH,
} from './hostCommand.js';
