/**
 * What the opt-in quality step (`quality: true`) adds to a job, for its estimate: the host samples a few windows
 * of the source (`vodsr-host` measure_quality), downscales them by the model's factor, runs the job's SR chain
 * and plain bicubic back up and measures PSNR/SSIM against the source.
 */

/**
 * Passes over the sampled frames the step's time is counted as, in units of one SR pass of the downscaled copy:
 * the SR pass itself + the cut, the bicubic pass and the PSNR/SSIM filters together (a planning guess until the
 * step's measured seconds, `host.quality.seconds`, are learned per model).
 */
export const QUALITY_PASSES = 2;

/**
 * Seconds of the source the quality step samples, as the host script picks them: 5 % of the duration (at least
 * 1 s), in up to 3 windows of up to 2 s; 0 below 1 s (not measured).
 *
 * @example qualitySampleSeconds(600) === 6 // 3 windows of 2 s
 */
export function qualitySampleSeconds(durationSeconds: number): number {
  const durMs = Math.floor(Math.max(0, durationSeconds) * 1000);
  if (durMs < 1000) return 0;
  const budget = Math.max(1000, Math.floor(durMs / 20));
  const win = Math.min(budget, 2000);
  const windows = Math.min(3, Math.floor(budget / win));
  return (windows * win) / 1000;
}
