import { WORKFLOW_STATES } from './workflowNames.js';
import { checkOptions, type WorkflowOptions } from './workflowOptions.js';
import { buildWorkflowStates } from './workflowStates.js';

export * from './workflowNames.js';
export { MIN_HEARTBEAT_SECONDS, type WorkflowOptions } from './workflowOptions.js';

/**
 * Builds the vodsr workflow as an Amazon States Language object, the one definition that infra-cdk deploys and the
 * local backend executes in-process. Every state is JSONPath; with `pricing` (infra-cdk's) `NotifySuccess` is a
 * JSONata state (`QueryLanguage: 'JSONata'`) that prices `cost.actual` into the success event, without it its
 * JSONPath twin (the local engine runs JSONPath only).
 *
 * `RunHost` starts the host command with `ssm:sendCommand.waitForTaskToken`: the host job and the task token travel
 * as base64 document parameters (no shell string is built), the host sends heartbeats and then
 * `SendTaskSuccess` (its `HostResultEvent`) or `SendTaskFailure` (a `VODSR_HOST_*` code). `NeedsPackaging` goes
 * straight to `NotifySuccess` for preset `none` and for `packagingEngine: 'host'` (the host wrote HLS in the SR
 * pass); otherwise `PlanPackaging` builds the MediaConvert job from the PROBED SR file (`$.host.sr`) and `Package`
 * runs `mediaconvert:createJob.sync`. Every failure is caught into `$.error`, announced by `NotifyFailure`
 * (`vodsr.job.failed`) and ends in the `JobFailed` Fail state, whose error and cause are `$.error`'s. There is no
 * Wait/poll loop: the number of state transitions does not depend on the video's duration.
 *
 * @example
 * const asl = buildWorkflowDefinition({ documentName: 'vodsr-RunHostJob', mediaConvertRoleArn: roleArn });
 * new CfnStateMachine(scope, 'Sm', { definitionString: JSON.stringify(asl), roleArn });
 */
export function buildWorkflowDefinition(o: WorkflowOptions = {}): Record<string, unknown> {
  checkOptions(o);
  const states = buildWorkflowStates(o);

  return {
    Comment:
      o.comment ??
      'vodsr: SR on the GPU host (SSM, task token), then HLS with MediaConvert; no polling, coded errors.',
    StartAt: WORKFLOW_STATES.queueJob,
    // No overall timeout: a job may wait in a deep queue for longer than any fixed bound (every state has its own).
    States: states,
  };
}
