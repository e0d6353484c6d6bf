import { type ErrorCode, type MediaInfo, toErrorInfo, VodsrError } from '@vodsr/core';
import { NO_PACKAGING_PRESET } from '@vodsr/core/workflow';
import { createJobRequest } from './mediaConvert.js';
import { getPreset } from './presets.js';
import type { PresetId } from './types.js';

/** The payload the workflow's `PlanPackaging` state sends. */
export interface PlanPackagingEvent {
  readonly jobId: string;
  readonly preset: string;
  readonly input: string;
  readonly destination: string;
  readonly media: MediaInfo;
  readonly role?: string;
  readonly packaging?: {
    readonly preset?: string;
    readonly segmentSeconds?: number;
    readonly maxRungs?: number;
  };
}

/** The planner's answer: a MediaConvert CreateJob request, or `{ preset: 'none' }`. */
export type PlanPackagingResult = ReturnType<typeof createJobRequest> | { readonly preset: 'none' };

/**
 * Creates the packaging planner: builds the MediaConvert job for the preset from the PROBED SR file (`media`), so
 * the ladder fits the real resolution and a source without audio gets no audio outputs. Errors are re-thrown with
 * their vodsr code as `name`, which Lambda reports as the error type and Step Functions as the state's error.
 *
 * @example await createPlanPackagingHandler({ role })({ jobId, preset: 'hls-single', input, destination, media })
 */
export function createPlanPackagingHandler(
  deps: { role?: string } = {},
): (event: PlanPackagingEvent) => Promise<PlanPackagingResult> {
  return async (event) => {
    if (event.preset === NO_PACKAGING_PRESET) return { preset: NO_PACKAGING_PRESET };
    const role = event.role ?? deps.role;
    try {
      const id = getPreset(event.preset).id as PresetId;
      if (!role) throw new VodsrError('VODSR_INTERNAL', 'No MediaConvert role configured');
      const seg = event.packaging?.segmentSeconds;
      const rungs = event.packaging?.maxRungs;
      return createJobRequest(id, {
        input: event.input,
        destination: event.destination,
        role,
        media: event.media,
        userMetadata: { jobId: event.jobId },
        ...(seg === undefined ? {} : { segmentSeconds: seg }),
        ...(rungs === undefined ? {} : { maxRungs: rungs }),
      });
    } catch (e) {
      // Lambda reports the error's name as its type, and Step Functions as the state's error: the code.
      const info = toErrorInfo(e);
      const err = new VodsrError(info.code as ErrorCode, info.message, { cause: e });
      err.name = info.code;
      throw err;
    }
  };
}
