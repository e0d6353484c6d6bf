import Type, { type Static } from 'typebox';
import { RESOLUTION_BUCKETS } from './costThroughput.js';
import { literalUnion } from './literalUnion.js';

/** The figures a job record carries besides its spec: what the quality step measured and what the job cost. */

const PsnrSsimSchema = Type.Object({
  psnr: Type.Number({ description: 'dB (average over the windows; 100 = identical)' }),
  ssim: Type.Number({ minimum: 0, maximum: 1 }),
});

/** The opt-in quality measurement of a job (`quality: true`), as the host reports it. */
export const QualityFiguresSchema = Type.Object(
  {
    sr: PsnrSsimSchema,
    bicubic: PsnrSsimSchema,
    gainDb: Type.Number({ description: 'sr.psnr − bicubic.psnr (≈ 0 for an interpolating model)' }),
    windows: Type.Integer({ minimum: 1, description: 'Sampled windows measured.' }),
    windowSeconds: Type.Number({ description: 'Length of each window.' }),
    scale: Type.Integer({ minimum: 1 }),
    seconds: Type.Number({ description: 'Wall time the measurement took on the host.' }),
  },
  { $id: 'QualityFigures' },
);

const CostUsdSchema = Type.Object({
  gpu: Type.Number(),
  packaging: Type.Number(),
  transitions: Type.Number(),
  total: Type.Number(),
});

/** An estimate or an actual cost (`estimateJob` / `actualCost` of core). */
export const CostFiguresSchema = Type.Object(
  {
    gpuSeconds: Type.Number(),
    usd: CostUsdSchema,
    assumptions: Type.Array(Type.String()),
    pricesDate: Type.String(),
    throughput: Type.Optional(
      Type.Object(
        {
          basis: Type.Union([Type.Literal('learned'), Type.Literal('default')]),
          model: Type.String(),
          host: Type.String(),
          bucket: literalUnion(RESOLUTION_BUCKETS),
          samples: Type.Integer({ minimum: 0 }),
          outliers: Type.Optional(Type.Integer({ minimum: 0 })),
          secondsPerFrame: Type.Number(),
          overheadSeconds: Type.Number(),
        },
        {
          description:
            "An estimate's throughput: learned from the fleet's finished jobs (how many), or the default.",
        },
      ),
    ),
  },
  { $id: 'CostFigures' },
);

export type QualityFigures = Static<typeof QualityFiguresSchema>;
