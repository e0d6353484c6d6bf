/**
 * An aborted local execution reports the abort only once its host run has ended. aws-local-stepfunctions rejects
 * an aborted execution at once; the host runner may still be in its exit trap. The worker removes the job's work
 * folder when the executor returns, so a host still running then could leave folders behind (a CI run found
 * `work/<id>/1` after Ctrl-C). The fleet port stands in for a host that takes 300 ms to exit after the abort.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createWorkflowExecutor } from '@vodsr/api';
import { parseJobSpec, prepareJob, VodsrError } from '@vodsr/core';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';

describe('an aborted local execution', () => {
  it('rejects only after its host run has ended, not when the engine gives up', async () => {
    const dir = tempDir();
    const source = join(dir, 'in.mp4');
    writeFileSync(source, 'not read: the fake host never opens it');
    let hostEnded = false;
    let running!: () => void;
    const started = new Promise<void>((r) => {
      running = r;
    });
    const executor = createWorkflowExecutor({
      fleet: {
        acquireHost: async () => ({ instanceId: 'local-0', slot: 0, lease: 'lease-0' }),
        run: (_placement, _b64, o) =>
          new Promise((_resolve, reject) => {
            running();
            o.signal?.addEventListener('abort', () => {
              // the host's trap: stops FFmpeg, removes its files, exits a moment later
              setTimeout(() => {
                hostEnded = true;
                reject(new VodsrError('VODSR_CANCELLED', 'cancelled'));
              }, 300);
            });
          }),
      },
    });
    const input = prepareJob(parseJobSpec({ source, model: 'lanczos-x2', output: join(dir, 'out') }), {
      jobId: 'j1',
      outputRoot: join(dir, 'out'),
    });
    const workDir = join(dir, 'work', 'j1', '1');
    mkdirSync(workDir, { recursive: true });
    const ac = new AbortController();
    const run = executor({
      jobId: 'j1',
      input,
      job: input.job,
      workDir,
      attempt: 1,
      signal: ac.signal,
      setStage: () => {},
      progress: () => {},
    });
    await started;
    ac.abort(new VodsrError('VODSR_CANCELLED', 'Cancelled by the user'));
    await expect(run).rejects.toMatchObject({ code: 'VODSR_CANCELLED' });
    expect(hostEnded).toBe(true);
  });
});
