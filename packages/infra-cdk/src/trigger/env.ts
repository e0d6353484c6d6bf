import { ValidationError } from '@vodsr/core';
import type { TriggerConfig } from '@vodsr/core/ingest';
import type { PackagingEngine } from '@vodsr/core/job';

/** Environment variables of the trigger Lambda (set by the `VodsrPipeline` construct). */
export const TRIGGER_ENV = {
  stateMachineArn: 'VODSR_STATE_MACHINE_ARN',
  outputRoot: 'VODSR_OUTPUT_ROOT',
  instanceId: 'VODSR_INSTANCE_ID',
  model: 'VODSR_MODEL',
  packagingPreset: 'VODSR_PACKAGING_PRESET',
  /** `mediaconvert` (default) or `host`: the GPU host packages HLS in its SR pass (the trigger plans it). */
  packagingEngine: 'VODSR_PACKAGING_ENGINE',
  videoSuffixes: 'VODSR_VIDEO_SUFFIXES',
  inputBucket: 'VODSR_INPUT_BUCKET',
  outputBucket: 'VODSR_OUTPUT_BUCKET',
} as const;

/**
 * Reads the trigger configuration from environment variables (`TRIGGER_ENV`); throws `VODSR_VALIDATION` naming
 * every missing variable.
 *
 * @example triggerConfigFromEnv({ VODSR_OUTPUT_ROOT: 's3://out/', VODSR_INSTANCE_ID: 'i-0123456789abcdef0' })
 */
export function triggerConfigFromEnv(env: Record<string, string | undefined> = process.env): TriggerConfig {
  const missing = (['outputRoot'] as const).filter((k) => !env[TRIGGER_ENV[k]]);
  if (missing.length) {
    throw new ValidationError(
      'trigger environment',
      missing.map((k) => ({ path: `/${TRIGGER_ENV[k]}`, message: 'is required' })),
    );
  }
  const opt = (k: keyof typeof TRIGGER_ENV): string | undefined => env[TRIGGER_ENV[k]] || undefined;
  const suffixes = opt('videoSuffixes');
  const model = opt('model');
  const preset = opt('packagingPreset');
  const engine = opt('packagingEngine');
  const inputBucket = opt('inputBucket');
  const outputBucket = opt('outputBucket');
  return {
    outputRoot: env[TRIGGER_ENV.outputRoot] as string,
    ...(opt('instanceId') ? { instanceId: opt('instanceId') as string } : {}),
    ...(model ? { model } : {}),
    ...(preset ? { packagingPreset: preset } : {}),
    // checked by resolveTriggerConfig (VODSR_VALIDATION at /packagingEngine)
    ...(engine ? { packagingEngine: engine as PackagingEngine } : {}),
    ...(suffixes
      ? {
          videoSuffixes: suffixes
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
        }
      : {}),
    ...(inputBucket ? { inputBucket } : {}),
    ...(outputBucket ? { outputBucket } : {}),
  };
}
