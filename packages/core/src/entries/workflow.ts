/** `@vodsr/core/workflow` — The workflow (ASL) definition as plain data, its state names, event types and the host document parameters. */
export {
  buildWorkflowDefinition,
  DEFAULT_HOST_DOCUMENT_NAME,
  HOST_DOCUMENT_PARAMETER_PATTERN,
  HOST_DOCUMENT_PARAMETERS,
  NO_PACKAGING_PRESET,
  WORKFLOW_DETAIL_TYPES,
  WORKFLOW_EVENT_SOURCE,
  WORKFLOW_STATES,
  type WorkflowOptions,
  type WorkflowStateName,
} from '../workflow.js';
