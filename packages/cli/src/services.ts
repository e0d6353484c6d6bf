import { join } from 'node:path';
import type { JobService } from '@vodsr/api';
import { VodsrError } from '@vodsr/core';
import { DEFAULT_DATA_DIR, DEFAULT_OUTPUT_DIR, type GlobalOptions } from './options.js';

/** Which backend the options select: `--api` wins, then `--backend`, then local. */
export function backendOf(o: GlobalOptions): 'local' | 'aws' | 'api' {
  if (o.api) return 'api';
  return o.backend ?? 'local';
}

/**
 * Opens the job service the options select (lazy: nothing heavy is imported before a command needs it).
 * `workers: false` opens the local database as a client (no jobs run in this process).
 */
export async function openService(
  o: GlobalOptions,
  opts: {
    workers?: boolean | 'own';
    slots?: number;
    fleet?: { hosts: number; slots: number };
    inputRoots?: readonly string[];
  } = {},
): Promise<JobService> {
  const api = await import('@vodsr/api');
  const backend = backendOf(o);
  if (backend === 'api') {
    if (!o.api) throw new VodsrError('VODSR_VALIDATION', 'backend "api" needs --api URL (or VODSR_API)');
    return new api.HttpJobService({ baseUrl: o.api, ...(o.token ? { token: o.token } : {}) });
  }
  if (backend === 'aws') {
    const issues = [];
    if (!o.stateMachineArn)
      issues.push({
        path: '/stateMachineArn',
        message: 'set --state-machine-arn or VODSR_STATE_MACHINE_ARN',
      });
    if (!o.awsOutput)
      issues.push({
        path: '/awsOutput',
        message: 'set --aws-output s3://bucket/prefix/ or VODSR_AWS_OUTPUT',
      });
    if (issues.length || !o.stateMachineArn || !o.awsOutput) {
      throw new VodsrError(
        'VODSR_VALIDATION',
        `The AWS backend is not configured: ${issues.map((i) => i.message).join('; ')}`,
        {
          details: { issues },
        },
      );
    }
    return new api.AwsJobService({
      stateMachineArn: o.stateMachineArn,
      outputRoot: o.awsOutput,
      ...(o.region ? { region: o.region } : {}),
    });
  }
  const dataDir = o.dataDir ?? DEFAULT_DATA_DIR;
  return api.LocalJobService.open({
    dataDir,
    outputRoot: join(o.outputDir ?? DEFAULT_OUTPUT_DIR, 'jobs'),
    workers: opts.workers ?? false,
    ...(opts.slots !== undefined ? { slots: opts.slots } : {}),
    ...(opts.fleet ? { fleet: opts.fleet } : {}),
    ...(opts.inputRoots ? { inputRoots: opts.inputRoots } : {}),
  });
}
