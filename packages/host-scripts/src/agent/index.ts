export {
  type AgentConfig,
  DEFAULT_AGENT_CONFIG_PATH,
  parseAgentConfig,
  readAgentConfig,
} from './agentConfig.js';
export {
  DEFAULT_LIFECYCLE_HEARTBEAT_MS,
  LifecycleAction,
  PUBLISH_RETRY_MS,
  StatusReporter,
} from './agentInstance.js';
export { HostAgent, type HostAgentOptions, jsonLineLogger } from './HostAgent.js';
export { HOST_LOST_MARKER, type SlotFileState, SlotFiles } from './SlotFiles.js';
export {
  type AgentLogEntry,
  type AgentPlacement,
  type AgentSlotStatus,
  type AgentState,
  type AgentStatus,
  CLOSED_TOKEN_ERRORS,
  type InstanceControlPort,
  type InstanceMetadataPort,
  type ReceivedWorkMessage,
  type SpotInterruption,
  type StatusPublisherPort,
  type TaskCallbacksPort,
  type WorkQueuePort,
} from './types.js';
