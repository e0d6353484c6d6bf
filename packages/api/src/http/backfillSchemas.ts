import Type from 'typebox';

const Counts = Type.Object({
  listed: Type.Integer(),
  submit: Type.Integer(),
  skip: Type.Integer(),
  byReason: Type.Record(Type.String(), Type.Integer()),
});

const PlanItem = Type.Object({
  key: Type.String(),
  action: Type.Union([Type.Literal('submit'), Type.Literal('skip')]),
  name: Type.Optional(
    Type.String({ description: 'The deterministic job / execution name (the trigger’s).' }),
  ),
  reason: Type.Optional(Type.String()),
  detail: Type.Optional(Type.String()),
  code: Type.Optional(Type.String()),
});

const Usd = Type.Object({
  gpu: Type.Number(),
  packaging: Type.Number(),
  transitions: Type.Number(),
  total: Type.Number(),
});

/** `POST /v1/backfills` body. */
export const BackfillRequestBody = Type.Object(
  {
    source: Type.String({ pattern: '^s3://', description: 's3://bucket/prefix/ to backfill' }),
    output: Type.String({
      pattern: '^s3://',
      description: 'Output root s3://bucket/prefix/ (the trigger’s)',
    }),
    include: Type.Optional(Type.String({ maxLength: 2048, description: "Globs, e.g. '*.mp4,*.mov'" })),
    concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000, default: 16 })),
    dryRun: Type.Optional(Type.Boolean({ default: false })),
    model: Type.Optional(Type.String({ maxLength: 64 })),
    preset: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { title: 'BackfillRequest', additionalProperties: false },
);

/** A backfill: its plan, estimate and progress. */
export const BackfillBody = Type.Object(
  {
    id: Type.String(),
    source: Type.String(),
    dryRun: Type.Boolean(),
    state: Type.Union([
      Type.Literal('planning'),
      Type.Literal('running'),
      Type.Literal('done'),
      Type.Literal('failed'),
      Type.Literal('cancelled'),
    ]),
    createdAt: Type.String({ format: 'date-time' }),
    plan: Type.Optional(
      Type.Object({
        bucket: Type.String(),
        prefix: Type.String(),
        counts: Counts,
        items: Type.Array(PlanItem),
      }),
    ),
    estimate: Type.Optional(
      Type.Object({
        jobs: Type.Integer(),
        gpuSeconds: Type.Number(),
        usd: Usd,
        assumptions: Type.Array(Type.String()),
        pricesDate: Type.String(),
      }),
    ),
    progress: Type.Optional(
      Type.Object({
        total: Type.Integer(),
        submitted: Type.Integer(),
        skipped: Type.Integer(),
        running: Type.Integer(),
        succeeded: Type.Integer(),
        failed: Type.Integer(),
        pending: Type.Integer(),
        fraction: Type.Number(),
        etaSeconds: Type.Optional(Type.Number()),
      }),
    ),
    cancelledJobs: Type.Optional(
      Type.Integer({
        minimum: 0,
        description: 'Once cancelled: the jobs it had started that were still unfinished, now cancelled.',
      }),
    ),
    error: Type.Optional(
      Type.Object({ code: Type.String(), message: Type.String(), details: Type.Optional(Type.Unknown()) }),
    ),
  },
  { title: 'Backfill' },
);

export const BackfillIdParams = Type.Object({
  id: Type.String({ pattern: '^bf-[a-f0-9]{1,40}$', description: 'Backfill id' }),
});
