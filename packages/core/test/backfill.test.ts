import { decodeHostJob, ValidationError, type WorkflowInput } from '@vodsr/core';
import {
  BACKFILL_STATES,
  backfillProgress,
  buildBackfillDefinition,
  inlineDistributedMaps,
  itemReaderItems,
  type ListedObject,
  planBackfill,
} from '@vodsr/core/backfill';
import { createTriggerHandler, type TriggerConfig } from '@vodsr/core/ingest';
import { objectExecutionName } from '@vodsr/core/naming';
import { describe, expect, it } from 'vitest';

const config: TriggerConfig = { outputRoot: 's3://vodsr-out/sr/', instanceId: 'i-0123456789abcdef0' };
// biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, as data
const HOSTILE = 'movies/a;$(touch /tmp/pwned) `id` \'q"\n${HOME}.mp4';

/** 30 objects: 20 videos (one hostile key, one upper-case suffix), 6 non-videos, 2 folder markers/empties, 2 .mov. */
function listing(): ListedObject[] {
  const objs: ListedObject[] = [];
  for (let i = 0; i < 18; i += 1)
    objs.push({ key: `movies/clip-${i}.mp4`, size: 1_000_000 + i, etag: `"e${i}"` });
  objs.push({ key: HOSTILE, size: 5, etag: '"hostile"' });
  objs.push({ key: 'movies/UPPER.MP4', size: 7, etag: '"upper"' });
  for (const k of [
    'notes.txt',
    'poster.jpg',
    'sub.srt',
    'movies/readme.md',
    'movies/x.json',
    'movies/y.m3u8',
  ])
    objs.push({ key: k, size: 10, etag: '"n"' });
  objs.push({ key: 'movies/', size: 0, etag: '"d41d8cd98f00b204e9800998ecf8427e"' });
  objs.push({ key: 'movies/empty.mp4', size: 0, etag: '"d41d8cd98f00b204e9800998ecf8427e"' });
  objs.push({ key: 'movies/a.mov', size: 3, etag: '"m1"' }, { key: 'movies/b.MOV', size: 3, etag: '"m2"' });
  return objs;
}

describe('planBackfill', () => {
  it('submits every video with the name the trigger gives it, on the bulk queue, and says why it skips the rest', async () => {
    const plan = planBackfill(listing(), { bucket: 'vodsr-in', config });
    expect(plan.counts).toEqual({
      listed: 30,
      submit: 22,
      skip: 8,
      byReason: { 'not-video': 6, empty: 2 },
    });
    const hostile = plan.items.find((i) => i.key === HOSTILE);
    expect(hostile?.action).toBe('submit');
    if (hostile?.action !== 'submit') throw new Error('unreachable');
    expect(hostile.name).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
    expect(hostile.input.priority).toBe('bulk');
    expect(decodeHostJob(hostile.input.hostJobB64).source).toBe(`s3://vodsr-in/${HOSTILE}`);

    // The trigger, given the S3 event of the same object (bare ETag, URL-encoded key), names it identically.
    const started: [string, WorkflowInput][] = [];
    const trigger = createTriggerHandler({
      start: async (name, input) => {
        started.push([name, input]);
        return 'started';
      },
      config,
      log: () => undefined,
    });
    await trigger({
      Records: [
        {
          eventName: 'ObjectCreated:Put',
          s3: {
            bucket: { name: 'vodsr-in' },
            object: { key: 'movies/clip-3.mp4', size: 1_000_003, eTag: 'e3', sequencer: '0062E99A88DC407F' },
          },
        },
      ],
    });
    const fromPlan = plan.items.find((i) => i.key === 'movies/clip-3.mp4');
    expect(started[0]?.[0]).toBe(objectExecutionName('vodsr-in', 'movies/clip-3.mp4', 'e3'));
    expect(fromPlan?.action === 'submit' && fromPlan.name).toBe(started[0]?.[0]);
    // Same job, other queue: the upload is interactive, the backfill bulk.
    expect(started[0]?.[1].priority).toBe('interactive');
    expect(fromPlan?.action === 'submit' && { ...fromPlan.input, priority: 'interactive' }).toEqual(
      started[0]?.[1],
    );
  });

  it('applies --include globs to file names, case-insensitively', () => {
    const plan = planBackfill(listing(), { bucket: 'vodsr-in', include: '*.mov, clip-1?.mp4', config });
    expect(
      plan.items
        .filter((i) => i.action === 'submit')
        .map((i) => i.key)
        .sort(),
    ).toEqual([
      'movies/a.mov',
      'movies/b.MOV',
      ...Array.from({ length: 8 }, (_, i) => `movies/clip-1${i}.mp4`),
    ]);
    expect(plan.counts.byReason['not-included']).toBe(12);
  });

  it('skips everything of the output bucket (results never become jobs)', () => {
    const plan = planBackfill(listing(), { bucket: 'vodsr-out', config });
    expect(plan.counts.submit).toBe(0);
    expect(plan.counts.byReason['output-bucket']).toBe(30);
  });

  it('resumes: a second run after a partial one submits only what does not exist yet, a third submits nothing', () => {
    const existing = new Set<string>();
    const first = planBackfill(listing(), { bucket: 'vodsr-in', config }, (n) => existing.has(n));
    const toRun = first.items.filter((i) => i.action === 'submit');
    // Interrupted after 9 submissions.
    for (const i of toRun.slice(0, 9)) existing.add(i.name);
    const second = planBackfill(listing(), { bucket: 'vodsr-in', config }, (n) => existing.has(n));
    expect(second.counts.submit).toBe(13);
    expect(second.counts.byReason.exists).toBe(9);
    const resumed = second.items.filter((i) => i.action === 'submit').map((i) => i.name);
    expect(new Set([...existing, ...resumed]).size).toBe(22); // each object exactly once over both runs
    for (const n of resumed) existing.add(n);
    expect(
      planBackfill(listing(), { bucket: 'vodsr-in', config }, (n) => existing.has(n)).counts.submit,
    ).toBe(0);
  });

  it('refuses bad options with every problem at once', () => {
    const err = (() => {
      try {
        planBackfill([], { bucket: '', include: ['*.mp4', ' '], config: { ...config, outputRoot: 'nope' } });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).issues.map((i) => i.path)).toEqual([
      '/bucket',
      '/include/1',
      '/config/outputRoot',
    ]);
  });

  it('counts progress: submitted, skipped, and the covered jobs by status', () => {
    const existing = new Set<string>();
    const first = planBackfill(listing().slice(0, 4), { bucket: 'vodsr-in', config });
    const names = first.items.flatMap((i) => (i.action === 'submit' ? [i.name] : []));
    existing.add(names[0] as string);
    const plan = planBackfill(listing(), { bucket: 'vodsr-in', config }, (n) => existing.has(n));
    const status = new Map([
      [names[0] as string, 'succeeded' as const],
      [names[1] as string, 'failed' as const],
      [names[2] as string, 'upscaling' as const],
    ]);
    expect(backfillProgress(plan, (n) => status.get(n))).toEqual({
      total: 30,
      submitted: 21,
      skipped: 9,
      running: 20,
      succeeded: 1,
      failed: 1,
      fraction: 2 / 22,
    });
  });
});

describe('inlineDistributedMaps (the local twin of a Distributed Map)', () => {
  it('keeps the Map name for the reader, runs the same item flow inline, and settles the run after it', () => {
    const def = buildBackfillDefinition({ resultBucket: 'vodsr-out', maxConcurrency: 7 });
    const { definition, maps } = inlineDistributedMaps(def);
    const S = definition.States as Record<string, Record<string, unknown>>;
    const map = BACKFILL_STATES.objects;
    expect(S[map]).toMatchObject({
      Type: 'Task',
      Resource: 'arn:aws:states:::s3:listObjectsV2',
      Next: `${map}.Items`,
    });
    const items = S[`${map}.Items`] as {
      MaxConcurrency: number;
      ItemProcessor: { States: { Item: { Branches: { States: unknown }[] } } };
    };
    expect(items.MaxConcurrency).toBe(7);
    const original = (def.States as Record<string, { ItemProcessor: { States: unknown } }>)[map];
    expect(items.ItemProcessor.States.Item.Branches[0]?.States).toEqual(original?.ItemProcessor.States);
    expect(S[`${map}.MapRun`]).toMatchObject({ Type: 'Task', End: true });
    expect(maps).toEqual([
      expect.objectContaining({
        map,
        toleratedFailurePercentage: 5,
        resultWriter: { bucket: 'vodsr-out', prefix: 'backfills/' },
      }),
    ]);
  });

  it('refuses what it cannot run faithfully, naming each field', () => {
    const def = buildBackfillDefinition() as { States: Record<string, Record<string, unknown>> };
    const map = def.States[BACKFILL_STATES.objects] as Record<string, unknown>;
    map.ItemBatcher = { MaxItemsPerBatch: 10 };
    map.ResultPath = '$.r';
    map.ItemReader = { Resource: 'arn:aws:states:::s3:getObject', Parameters: {} };
    const err = (() => {
      try {
        inlineDistributedMaps(def);
      } catch (e) {
        return e as ValidationError;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(ValidationError);
    expect(err?.issues.map((i) => i.path)).toEqual([
      '/States/BackfillObjects/ItemBatcher',
      '/States/BackfillObjects/ResultPath',
      '/States/BackfillObjects/ItemReader/Resource',
    ]);
  });

  it('gives listed objects the ItemReader shape (Etag, epoch seconds)', () => {
    expect(
      itemReaderItems([
        { Key: 'a.mp4', Size: 3, ETag: '"x"', LastModified: new Date('2026-01-01T00:00:00Z') },
        {},
      ]),
    ).toEqual([{ Key: 'a.mp4', Size: 3, Etag: '"x"', LastModified: 1767225600, StorageClass: 'STANDARD' }]);
  });
});
