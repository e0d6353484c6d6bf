import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { buildApp, LocalJobService } from '@vodsr/api';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';

const exec = promisify(execFile);
const redocly = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  'node_modules',
  '@redocly',
  'cli',
  'bin',
  'cli.js',
);

interface LintProblem {
  ruleId: string;
  severity: 'error' | 'warn';
  message: string;
  location: { pointer?: string }[];
}

/**
 * Warnings still open (issue 15, item 12), each with its reason: remove an entry when it is fixed.
 * - operation-4xx-response: the catalog and health routes declare no 4xx (they answer 401 only through the
 *   auth hook, which is not declared per route yet).
 */
const OPEN_WARNINGS = new Set(['operation-4xx-response']);

describe('the OpenAPI document', () => {
  it('passes redocly lint (recommended) with no error and only the explained warnings', async () => {
    // Prepare
    const dir = tempDir();
    const service = await LocalJobService.open({ dataDir: join(dir, 'data'), workers: false });
    const app = await buildApp({ service, auth: { tokens: ['openapi-lint-token-0123'] } });
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    await app.close();
    await service.close();
    const file = join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(doc));

    // Act
    const out = await exec(process.execPath, [redocly, 'lint', file, '--format', 'json'], {
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
    }).catch((e: { stdout: string }) => e);
    const { problems } = JSON.parse(out.stdout) as { problems: LintProblem[] };

    // Assess
    expect(
      problems.filter((p) => p.severity === 'error'),
      JSON.stringify(problems),
    ).toEqual([]);
    const unexplained = problems.filter((p) => !OPEN_WARNINGS.has(p.ruleId));
    expect(unexplained, JSON.stringify(unexplained)).toEqual([]);
    const ops = Object.values(doc.paths as Record<string, Record<string, { operationId?: string }>>).flatMap(
      (p) => Object.values(p),
    );
    expect(ops.every((o) => typeof o.operationId === 'string')).toBe(true);
  }, 60_000);
});
