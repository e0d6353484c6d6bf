export {
  DEFAULT_RUNNER_PATH,
  HOST_SCRIPT_PATH,
  type HostCommandOptions,
  hostCommand,
  INSTALL_SCRIPT_PATH,
} from './hostCommand.js';
