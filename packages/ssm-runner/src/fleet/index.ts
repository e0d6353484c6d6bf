export {
  type FleetHostStatus,
  type FleetSlotStatus,
  type FleetStatus,
  LocalFleet,
  type LocalFleetOptions,
} from './LocalFleet.js';
export { LocalTaskCallbacks, LocalTaskTokenError } from './LocalTaskCallbacks.js';
export { type LocalQueueDepth, LocalWorkQueue, type LocalWorkQueueOptions } from './LocalWorkQueue.js';
