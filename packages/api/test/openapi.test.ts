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

describe('the OpenAPI document', () => {
  it('passes redocly lint (recommended) with no error and no warning, with named schemas and problem+json errors', async () => {
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
    if (process.env.OPENAPI_DEBUG)
      writeFileSync(process.env.OPENAPI_DEBUG, JSON.stringify({ doc, problems }, null, 1));

    // Assess
    expect(problems, JSON.stringify(problems)).toEqual([]); // no error, no warning
    expect(Object.keys(doc.components.schemas)).toEqual([
      'Backfill',
      'BackfillRequest',
      'FleetStatus',
      'Health',
      'JobPage',
      'JobProgressEvent',
      'JobRecord',
      'JobSpec',
      'Model',
      'Problem',
    ]);
    const get = doc.paths['/v1/jobs/{id}'].get;
    expect(get.responses['200'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/JobRecord',
    });
    expect(get.responses['404'].content).toEqual({
      'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } },
    });
    // the event stream documents its events: the record on `job`, a small delta on `progress`
    const stream = doc.paths['/v1/jobs/{id}/events'].get.responses['200'].content['text/event-stream'].schema;
    const events = stream.contentSchema.items.anyOf.map(
      (e: { properties: { event: { enum: string[] }; data: unknown } }) => [
        e.properties.event.enum[0],
        e.properties.data,
      ],
    );
    expect(events.slice(0, 2)).toEqual([
      ['job', { $ref: '#/components/schemas/JobRecord' }],
      ['progress', { $ref: '#/components/schemas/JobProgressEvent' }],
    ]);
    expect(Object.keys(doc.components.schemas.JobProgressEvent.properties)).not.toContain('spec');
    const ops = Object.values(doc.paths as Record<string, Record<string, { operationId?: string }>>).flatMap(
      (p) => Object.values(p),
    );
    expect(ops.every((o) => typeof o.operationId === 'string')).toBe(true);
  }, 60_000);
});
