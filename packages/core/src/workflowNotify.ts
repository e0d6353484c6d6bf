import { actualCostJsonata, type WorkflowPricing } from './costWorkflow.js';
import { WORKFLOW_DETAIL_TYPES, WORKFLOW_EVENT_SOURCE } from './workflowNames.js';

/**
 * The `NotifySuccess` state: an EventBridge `putEvents` task in JSONata (per-state `QueryLanguage`, the rest of
 * the workflow stays JSONPath), so the success event carries `cost.actual` priced from the state's input — the
 * host's measured busy seconds, MediaConvert's measured output durations, the transitions of the path taken —
 * with the prices written into the expression when the definition is built (`actualCostJsonata`). No extra
 * state on either path: the host path stays RunHost → SkipPackaging → NotifySuccess. Its output is its input
 * (as `ResultPath: null` did); a lost event is caught into `$.notifyError` and the job still succeeds.
 */
export function notifySuccessState(
  eventBusName: string,
  next: string,
  retry: Record<string, unknown>,
  pricing: WorkflowPricing = {},
): Record<string, unknown> {
  const x = (e: string) => `{% ${e} %}`;
  // every field guarded: an expression that evaluates to undefined may fail the state on Step Functions
  const orNull = (path: string) => x(`$exists(${path}) ? ${path} : null`);
  return {
    Type: 'Task',
    QueryLanguage: 'JSONata',
    Comment:
      'Announce the job (vodsr.job.succeeded) with cost.actual priced from what was measured (JSONata: the prices are data written in at build time).',
    Resource: 'arn:aws:states:::events:putEvents',
    Arguments: {
      Entries: [
        {
          EventBusName: eventBusName,
          Source: WORKFLOW_EVENT_SOURCE,
          DetailType: WORKFLOW_DETAIL_TYPES.succeeded,
          Detail: {
            jobId: x('$states.input.jobId'),
            status: 'succeeded',
            srFile: orNull('$states.input.srFile'),
            hlsDestination: orNull('$states.input.hlsDestination'),
            packagingPreset: orNull('$states.input.packagingPreset'),
            packagingEngine: orNull('$states.input.packagingEngine'),
            // the host's result: its probes, elapsedSeconds (the GPU slot's busy time) and, with quality on, the
            // SR vs bicubic PSNR/SSIM (`host.quality`)
            host: orNull('$states.input.host'),
            estimate: orNull('$states.input.estimate'),
            cost: {
              estimate: orNull('$states.input.estimate'),
              actual: x(actualCostJsonata(pricing)),
            },
          },
        },
      ],
    },
    Output: x('$states.input'),
    TimeoutSeconds: 60,
    Retry: [retry],
    // The SR file (and HLS) are complete: a lost success event must not turn the job into a failure.
    Catch: [
      {
        ErrorEquals: ['States.ALL'],
        Output: x('$merge([$states.input, { "notifyError": $states.errorOutput }])'),
        Next: next,
      },
    ],
    Next: next,
  };
}
