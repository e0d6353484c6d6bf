import { ValidationError, type ValidationIssue, VodsrError } from './errors.js';

/**
 * The local twin of a Step Functions **Distributed Map**, so a deployed definition (the backfill's) runs in-process.
 *
 * aws-local-stepfunctions executes inline Maps — `ItemSelector` with `$$.Map.Item.Value`, `ItemProcessor`,
 * `MaxConcurrency` — but not what a Distributed Map adds: the `ItemReader` (an S3 listing read by the service),
 * the tolerated failures, and the `ResultWriter`. {@link inlineDistributedMaps} rewrites each Distributed Map into
 *
 * 1. `<Map>` — a Task with the reader's own `Resource` and `Parameters` (it keeps the Map's name, so every
 *    transition into the Map still lands there); its local handler lists the objects (it gets the resolved
 *    `{ Bucket, Prefix }`) and returns them in the reader's item shape
 *    (`{ Key, Size, Etag, LastModified, StorageClass }`, see {@link itemReaderItems});
 * 2. `<Map>.Items` — the same Map, inline, over those items, with the very `ItemSelector`, `ItemProcessor` states and
 *    `MaxConcurrency`; each item runs inside a one-branch Parallel that catches its failure, so one failed item
 *    does not end the others (as in a Map Run, whose child executions fail alone);
 * 3. `<Map>.MapRun` — a Task whose local handler applies `ToleratedFailurePercentage` / `ToleratedFailureCount`
 *    (`States.ExceedToleratedFailureThreshold` beyond them) and writes the results the way `ResultWriter` does
 *    (`<Prefix>/<run id>/manifest.json`, `SUCCEEDED_0.json`, `FAILED_0.json`), then continues where the Map did.
 *    One difference: Step Functions stops a run as soon as the threshold is exceeded, the twin once every item
 *    ran (same outcome, more items processed).
 *
 * {@link distributedMapHandlers} gives the handlers of 1 and 3, keyed by state name, to merge with the job's own.
 * Supported: `ItemReader` over `s3:listObjectsV2` (with `ReaderConfig.MaxItems`), the Map's `Next`/`End`;
 * anything else on a Distributed Map (`ItemBatcher`, `InputPath`, `ResultPath`, `ResultSelector`, `OutputPath`,
 * `WriterConfig`, other readers) is refused with a `ValidationError`, never silently approximated.
 */

/** A listed object as a Distributed Map's `s3:listObjectsV2` ItemReader gives it to `$$.Map.Item.Value`. */
export interface ItemReaderObject {
  readonly Key: string;
  readonly Size: number;
  /** Note the spelling: the ItemReader's field is `Etag`, the S3 API's is `ETag`. */
  readonly Etag: string;
  readonly LastModified: number;
  readonly StorageClass: string;
}

/** An object from an S3 `ListObjectsV2` page (SDK shape) or a local listing. */
export interface ListedS3Object {
  readonly Key?: string;
  readonly Size?: number;
  readonly ETag?: string;
  readonly LastModified?: Date | string | number;
  readonly StorageClass?: string;
}

/** `ListObjectsV2` contents in the ItemReader's shape (`LastModified` in epoch seconds). */
export function itemReaderItems(contents: readonly ListedS3Object[]): ItemReaderObject[] {
  return contents.flatMap((o) => {
    if (o.Key === undefined) return [];
    const lm = o.LastModified === undefined ? 0 : new Date(o.LastModified).getTime();
    return [
      {
        Key: o.Key,
        Size: o.Size ?? 0,
        Etag: o.ETag ?? '',
        LastModified: Math.floor((Number.isFinite(lm) ? lm : 0) / 1000),
        StorageClass: o.StorageClass ?? 'STANDARD',
      },
    ];
  });
}

/** One rewritten Distributed Map. */
export interface LocalMapRun {
  /** The Map state's name. */
  readonly map: string;
  /** The Task that reads the items (named as the Map was). */
  readonly readerState: string;
  /** The Task that settles the run (`<Map>.MapRun`). */
  readonly runState: string;
  readonly maxItems?: number;
  readonly toleratedFailurePercentage?: number;
  readonly toleratedFailureCount?: number;
  /** Where `ResultWriter` writes, when the Map has one. */
  readonly resultWriter?: { readonly bucket: string; readonly prefix: string };
}

/** The result of {@link inlineDistributedMaps}. */
export interface InlinedDefinition {
  readonly definition: { StartAt: string; States: Record<string, unknown> } & Record<string, unknown>;
  readonly maps: readonly LocalMapRun[];
}

const ITEMS_FIELD = 'vodsrLocalItems';
const FAILED_FIELD = 'vodsrItemFailed';
const ALLOWED_MAP_FIELDS = new Set([
  'Type',
  'Comment',
  'ItemReader',
  'ItemSelector',
  'ItemProcessor',
  'MaxConcurrency',
  'ToleratedFailurePercentage',
  'ToleratedFailureCount',
  'ResultWriter',
  'Label',
  'Next',
  'End',
]);

type State = Record<string, unknown>;

function rewriteMap(name: string, s: State, issues: ValidationIssue[]): { states: State; run: LocalMapRun } {
  for (const k of Object.keys(s))
    if (!ALLOWED_MAP_FIELDS.has(k))
      issues.push({ path: `/States/${name}/${k}`, message: 'is not supported by the local Distributed Map' });
  const reader = (s.ItemReader ?? {}) as State;
  if (reader.Resource !== 'arn:aws:states:::s3:listObjectsV2')
    issues.push({
      path: `/States/${name}/ItemReader/Resource`,
      message: 'only s3:listObjectsV2 runs locally',
    });
  const readerConfig = (reader.ReaderConfig ?? {}) as { MaxItems?: number };
  const writer = s.ResultWriter as
    | { Resource?: string; Parameters?: State; WriterConfig?: unknown }
    | undefined;
  if (writer && (writer.Resource !== 'arn:aws:states:::s3:putObject' || writer.WriterConfig !== undefined))
    issues.push({
      path: `/States/${name}/ResultWriter`,
      message: 'only s3:putObject without WriterConfig runs locally',
    });
  const processor = s.ItemProcessor as { StartAt: string; States: State; ProcessorConfig?: unknown };
  const { ProcessorConfig: _mode, ...flow } = processor;
  const readerState = name;
  const itemsState = `${name}.Items`;
  const runState = `${name}.MapRun`;
  const cont = s.End === true ? { End: true } : { Next: s.Next };
  const wp = writer?.Parameters ?? {};
  const run: LocalMapRun = {
    map: name,
    readerState,
    runState,
    ...(readerConfig.MaxItems === undefined ? {} : { maxItems: readerConfig.MaxItems }),
    ...(s.ToleratedFailurePercentage === undefined
      ? {}
      : { toleratedFailurePercentage: Number(s.ToleratedFailurePercentage) }),
    ...(s.ToleratedFailureCount === undefined
      ? {}
      : { toleratedFailureCount: Number(s.ToleratedFailureCount) }),
    ...(writer ? { resultWriter: { bucket: String(wp.Bucket ?? ''), prefix: String(wp.Prefix ?? '') } } : {}),
  };
  const states: State = {
    [readerState]: {
      Type: 'Task',
      Resource: reader.Resource,
      Parameters: reader.Parameters ?? {},
      ResultPath: `$.${ITEMS_FIELD}`,
      Next: itemsState,
    },
    [itemsState]: {
      Type: 'Map',
      ItemsPath: `$.${ITEMS_FIELD}`,
      ...(s.ItemSelector === undefined ? {} : { ItemSelector: s.ItemSelector }),
      ...(s.MaxConcurrency === undefined ? {} : { MaxConcurrency: s.MaxConcurrency }),
      ItemProcessor: {
        ProcessorConfig: { Mode: 'INLINE' },
        StartAt: 'Item',
        States: {
          Item: {
            Type: 'Parallel',
            Branches: [flow],
            OutputPath: '$[0]',
            Catch: [{ ErrorEquals: ['States.ALL'], Next: 'ItemFailed' }],
            End: true,
          },
          ItemFailed: {
            Type: 'Pass',
            Parameters: { [FAILED_FIELD]: true, 'Error.$': '$.Error', 'Cause.$': '$.Cause' },
            End: true,
          },
        },
      },
      Next: runState,
    },
    [runState]: {
      Type: 'Task',
      Resource: 'arn:aws:states:::s3:putObject',
      Parameters: { 'results.$': '$' },
      ...cont,
    },
  };
  return { states, run };
}

/**
 * Rewrites every top-level Distributed Map of `definition` into its local twin (see the module's comment).
 *
 * @example
 * const { definition, maps } = inlineDistributedMaps(buildBackfillDefinition({ resultBucket: 'vodsr-out' }));
 */
export function inlineDistributedMaps(definition: Record<string, unknown>): InlinedDefinition {
  const states = definition.States as Record<string, State>;
  const issues: ValidationIssue[] = [];
  const out: Record<string, unknown> = {};
  const maps: LocalMapRun[] = [];
  for (const [name, s] of Object.entries(states)) {
    const mode = (s.ItemProcessor as { ProcessorConfig?: { Mode?: string } } | undefined)?.ProcessorConfig
      ?.Mode;
    if (s.Type !== 'Map' || mode !== 'DISTRIBUTED') {
      out[name] = s;
      continue;
    }
    const r = rewriteMap(name, s, issues);
    Object.assign(out, r.states);
    maps.push(r.run);
  }
  if (issues.length) throw new ValidationError('distributed map (local twin)', issues);
  return { definition: { ...definition, StartAt: String(definition.StartAt), States: out }, maps };
}

/** What the local Map Run needs from outside: a listing, and a place for `ResultWriter`'s files. */
export interface DistributedMapIo {
  /** Every object under `Prefix` of `Bucket` (all pages), SDK or local shape. */
  listObjects(params: { Bucket: string; Prefix?: string }): Promise<readonly ListedS3Object[]>;
  /** Writes one result file; needed when a Map has a `ResultWriter`. */
  putObject?(bucket: string, key: string, body: string): Promise<void>;
  /** The Map Run's id (part of the result keys). @default a random UUID */
  runId?: () => string;
}

/**
 * A Map Run that failed more items than tolerated. Its `name` is Step Functions' own error
 * (`States.ExceedToleratedFailureThreshold`), which is what a `Catch` of the local execution sees.
 */
export class MapRunFailedError extends VodsrError {
  public constructor(message: string, details?: unknown) {
    super('VODSR_MAP_RUN_FAILED', message, details === undefined ? {} : { details });
    this.name = 'States.ExceedToleratedFailureThreshold';
  }
}

/** The local handlers of every rewritten Map's reader and run states, keyed by state name. */
export function distributedMapHandlers(
  maps: readonly LocalMapRun[],
  io: DistributedMapIo,
): Record<string, (input: unknown) => Promise<unknown>> {
  const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
  for (const m of maps) {
    handlers[m.readerState] = async (input) => {
      const p = input as { Bucket: string; Prefix?: string };
      const items = itemReaderItems(await io.listObjects(p));
      return m.maxItems === undefined || m.maxItems === 0 ? items : items.slice(0, m.maxItems);
    };
    handlers[m.runState] = async (input) => settleMapRun(m, (input as { results: unknown[] }).results, io);
  }
  return handlers;
}

async function settleMapRun(
  m: LocalMapRun,
  results: readonly unknown[],
  io: DistributedMapIo,
): Promise<unknown> {
  const failed = results.filter((r) => (r as Record<string, unknown> | null)?.[FAILED_FIELD] === true);
  const succeeded = results.filter((r) => !failed.includes(r));
  const id = io.runId?.() ?? crypto.randomUUID();
  const mapRunArn = `arn:aws:states:local:000000000000:mapRun:local/${m.map}:${id}`;
  let output: unknown = succeeded;
  if (m.resultWriter) {
    if (!io.putObject) {
      const e = new MapRunFailedError(`${m.map}: its ResultWriter needs a putObject to write to`);
      e.name = 'States.ResultWriterFailed';
      throw e;
    }
    const { bucket, prefix } = m.resultWriter;
    const base = `${prefix.replace(/\/+$/, '')}${prefix ? '/' : ''}${id}`;
    const files: Record<'SUCCEEDED' | 'FAILED' | 'PENDING', { Key: string; Size: number }[]> = {
      SUCCEEDED: [],
      FAILED: [],
      PENDING: [],
    };
    for (const [status, list] of [
      ['SUCCEEDED', succeeded.map((o) => ({ Status: 'SUCCEEDED', Output: JSON.stringify(o) }))],
      [
        'FAILED',
        failed.map((f) => {
          const { Error: error, Cause: cause } = f as { Error?: string; Cause?: string };
          return { Status: 'FAILED', Error: error, Cause: cause };
        }),
      ],
    ] as const) {
      if (list.length === 0) continue;
      const key = `${base}/${status}_0.json`;
      const body = JSON.stringify(list);
      await io.putObject(bucket, key, body);
      files[status].push({ Key: key, Size: Buffer.byteLength(body) });
    }
    const manifest = JSON.stringify({ DestinationBucket: bucket, MapRunArn: mapRunArn, ResultFiles: files });
    await io.putObject(bucket, `${base}/manifest.json`, manifest);
    output = { MapRunArn: mapRunArn, ResultWriterDetails: { Bucket: bucket, Key: `${base}/manifest.json` } };
  }
  // Either threshold, when set, ends the run once exceeded; with neither, any failed item does.
  const pct = results.length === 0 ? 0 : (100 * failed.length) / results.length;
  const { toleratedFailurePercentage: P, toleratedFailureCount: C } = m;
  const over =
    P === undefined && C === undefined
      ? failed.length > 0
      : (P !== undefined && pct > P) || (C !== undefined && failed.length > C);
  if (over)
    throw new MapRunFailedError(
      `${m.map}: ${failed.length} of ${results.length} items failed (${pct.toFixed(1)} %), more than tolerated` +
        ` (${P ?? 0} %${C === undefined ? '' : `, ${C} items`})`,
      {
        failed: failed.length,
        items: results.length,
        toleratedFailurePercentage: P,
        toleratedFailureCount: C,
      },
    );
  return output;
}
