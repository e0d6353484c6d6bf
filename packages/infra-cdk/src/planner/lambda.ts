import {
  createPlanPackagingHandler,
  type PlanPackagingEvent,
  type PlanPackagingResult,
} from '@vodsr/mediaconvert-presets';

/** Environment variable with the MediaConvert role ARN (set by the `VodsrPipeline` construct). */
export const PLANNER_ROLE_ENV = 'VODSR_MEDIACONVERT_ROLE_ARN';

let cached: ((event: PlanPackagingEvent) => Promise<PlanPackagingResult>) | undefined;

/** The packaging planner Lambda's entry point (the workflow's `PlanPackaging` state). */
export async function handler(event: PlanPackagingEvent): Promise<PlanPackagingResult> {
  const role = process.env[PLANNER_ROLE_ENV];
  cached ??= createPlanPackagingHandler(role ? { role } : {});
  return cached(event);
}
