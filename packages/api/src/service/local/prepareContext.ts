import { join } from 'node:path';
import type { PrepareJobContext } from '@vodsr/core';
import type { PackagingEngine } from '@vodsr/core/job';
import { hostHlsPlan } from '@vodsr/mediaconvert-presets';

/**
 * The local backend's default packaging engine: the host packages in the SR pass (one decode, one generation, no
 * MediaConvert to stand in for); `mediaconvert` runs the presets' FFmpeg twin after the SR file instead.
 */
export const LOCAL_PACKAGING_ENGINE: PackagingEngine = 'host';

/**
 * `prepareJob`'s context for a job of the local backend: its output folder, the local packaging engine and the
 * presets' host HLS plan.
 *
 * @example prepareJob(spec, localPrepareContext({ outputRoot: '/srv/out' }, 'j1'))
 */
export function localPrepareContext(
  o: { readonly outputRoot: string; readonly packagingEngine?: PackagingEngine },
  jobId: string,
): PrepareJobContext {
  return {
    jobId,
    outputRoot: join(o.outputRoot, jobId),
    packagingEngine: o.packagingEngine ?? LOCAL_PACKAGING_ENGINE,
    hostHlsPlan,
  };
}
