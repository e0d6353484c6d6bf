import Type, { type Static } from 'typebox';
import Value from 'typebox/value';
import { ValidationError, type ValidationIssue } from './errors.js';
import { bucketNameProblems, SR_OUTPUT_EXTENSIONS, utf8Length } from './naming.js';

/**
 * The host contract's data half: what the GPU host receives (base64 JSON on its command line, so any object key
 * travels safely), with the FFmpeg options precomputed by core. The host builds argv arrays from it and never
 * evals. `bin/vodsr-host` checks the same rules in jq; both run over `HOST_JOB_CASES`
 * (`@vodsr/core/host-job-cases`).
 */

/** Output containers the host knows how to verify (lower-case, no dot). */
export const HOST_OUTPUT_EXTENSIONS = SR_OUTPUT_EXTENSIONS;

/** Filters that read or write arbitrary files or sockets: never allowed in a host job's `vf`. */
export const HOST_FORBIDDEN_FILTERS = ['movie', 'amovie', 'sendcmd', 'asendcmd', 'zmq', 'azmq'] as const;

/**
 * Encoder options a host job may carry (the option name, with an optional `:stream` specifier). Anything else
 * (`-i`, `-f`, `-y`, `-map`, a bare file name, …) is refused: the options can never add an input or an output.
 */
export const HOST_ENCODER_OPTION_PATTERN =
  '^-(c|codec|vcodec|acodec|b|q|qp|cq|crf|preset|tune|profile|level|pix_fmt|rc|maxrate|minrate|bufsize|g|bf|refs|rc-lookahead|spatial-aq|temporal-aq|aq-strength|multipass|tier|tag|movflags|x264-params|x265-params|ar|ac|an|sn|dn|color_primaries|color_trc|colorspace|color_range)(:[a-z](:[0-9]+)?)?$';

/** Encoder options that take no value. */
const FLAG_OPTIONS = new Set(['-an', '-sn', '-dn']);

/** Longest job id, in UTF-8 bytes. */
export const MAX_HOST_JOB_ID_BYTES = 256;

/** Longest S3 object key, in UTF-8 bytes. */
const MAX_KEY_BYTES = 1024;

const NonEmpty = (description: string) => Type.String({ minLength: 1, description });
const Strings = (description: string) => Type.Array(Type.String(), { description });

/** A file name the host writes into the HLS folder: no `/`, no control characters, not `.`/`..`. */
export const HOST_HLS_NAME_PATTERN = '^(?!\\.{1,2}$)[^/\\u0000-\\u001f\\u007f]{1,200}$';

const HlsNumber = (min: number, max: number, description: string) =>
  Type.Number({ minimum: min, maximum: max, description });

/**
 * One step of a preset's ladder, as data for the host (`LadderStep` of @vodsr/mediaconvert-presets): the host
 * chooses the rungs from these after probing, with the same rules as the presets' `planRungs`.
 */
export const HostHlsStepSchema = Type.Object({
  shortSide: Type.Integer({ minimum: 2, maximum: 4320 }),
  maxBitrate: Type.Integer({ minimum: 100_000, maximum: 100_000_000 }),
  qvbrQuality: Type.Integer({ minimum: 0, maximum: 10 }),
  crf: Type.Integer({ minimum: 0, maximum: 51, description: 'libx264 CRF; NVENC -cq on a GPU host.' }),
  audioBitrate: Type.Integer({ minimum: 16_000, maximum: 512_000 }),
});

/**
 * The HLS half of a host job (`packaging.engine: 'host'`): the preset's data, rendered by
 * `hostHlsPlan()` of @vodsr/mediaconvert-presets from the same tables MediaConvert's settings come from. The host
 * plans the rungs from the probed size, runs SR and every rung in one FFmpeg process, and names the files as
 * MediaConvert would (`<master>`, `<variantPrefix>[_<rung>].m3u8`, `<variant>_00001.ts`).
 */
export const HostHlsSchema = Type.Object(
  {
    preset: Type.Union([Type.Literal('hls-single'), Type.Literal('hls-ladder')]),
    destination: NonEmpty('The HLS folder: `s3://bucket/prefix/` or a local folder, ending with `/`.'),
    master: Type.String({ pattern: HOST_HLS_NAME_PATTERN, description: 'Master playlist file name.' }),
    variantPrefix: Type.String({
      pattern: HOST_HLS_NAME_PATTERN,
      description: "Variant base name; the ladder appends '_<rung>' (e.g. index_720p), hls-single does not.",
    }),
    segmentSeconds: Type.Integer({ minimum: 1, maximum: 60 }),
    gopSeconds: Type.Integer({ minimum: 1, maximum: 10 }),
    maxRungs: Type.Optional(Type.Integer({ minimum: 1, maximum: 8 })),
    steps: Type.Array(HostHlsStepSchema, {
      minItems: 1,
      maxItems: 12,
      description: 'Ladder, highest first.',
    }),
    single: Type.Object({
      maxBitrate: Type.Integer({ minimum: 100_000, maximum: 100_000_000 }),
      qvbrQuality: Type.Integer({ minimum: 0, maximum: 10 }),
      audioBitrate: Type.Integer({ minimum: 16_000, maximum: 512_000 }),
    }),
    minRungStep: HlsNumber(0.1, 1, 'A lower rung is used only below this fraction of the top short side.'),
    maxSize: Type.Object({ long: Type.Integer({ minimum: 16 }), short: Type.Integer({ minimum: 16 }) }),
    x264Preset: Type.String({ pattern: '^[a-z]{1,16}$' }),
    nvencPreset: Type.String({ pattern: '^p[1-7]$' }),
  },
  { description: 'HLS packaged by the host in the SR pass.' },
);

/** The HLS half of a host job. */
export type HostHls = Static<typeof HostHlsSchema>;

/** The largest SR picture an encoder takes (`PictureLimit` of `ENCODER_LIMITS`, with its label for messages). */
const sizeLimitSchema = (description: string) =>
  Type.Object(
    {
      long: Type.Integer({ minimum: 16, description: 'Longer side, in pixels.' }),
      short: Type.Integer({ minimum: 16, description: 'Shorter side, in pixels.' }),
      pixels: Type.Integer({ minimum: 256, description: 'Luma samples of the whole picture.' }),
      label: Type.String({
        minLength: 1,
        maxLength: 64,
        pattern: '^[^\\n]*$',
        description: 'e.g. NVENC H.264',
      }),
    },
    { description },
  );
export const HostSizeLimitSchema = sizeLimitSchema(
  "The largest picture an encoder takes (core's ENCODER_LIMITS).",
);

/** The HEVC switch of a host job: the encoder options used when the SR picture is beyond `sizeLimit`. */
export const HostOversizeSchema = Type.Object({
  encoderArgs: Strings('Encoder options used instead of encoderArgs for an SR picture beyond sizeLimit.'),
  cpuEncoderArgs: Type.Optional(Strings('Their CPU twin, used when NVENC is unusable on the host.')),
  sizeLimit: sizeLimitSchema('The largest SR picture the HEVC encoder takes; a bigger one is refused.'),
});

/** The HostJob as a TypeBox schema: a JSON Schema at runtime, the `HostJob` type through `Static<>`. */
export const HostJobSchema = Type.Object(
  {
    v: Type.Literal(1, { description: 'Contract version.' }),
    jobId: NonEmpty(`The job id (at most ${MAX_HOST_JOB_ID_BYTES} UTF-8 bytes).`),
    source: NonEmpty('`s3://bucket/key` (key ≤ 1,024 bytes) or a local path.'),
    output: NonEmpty(
      `Where the SR file goes: \`s3://bucket/key\` or a local path, ending in .${HOST_OUTPUT_EXTENSIONS.join(' .')}; not the source.`,
    ),
    vf: NonEmpty('The `-vf` filter chain; every filter it names is in requiredFilters and none reads files.'),
    encoderArgs: Strings(
      "Encoder options (video + audio), e.g. ['-c:v','h264_nvenc','-cq','13','-c:a','copy']; allow-listed.",
    ),
    cpuEncoderArgs: Type.Optional(
      Strings('Encoder options used instead when NVENC is unusable on the host (absent = fail instead).'),
    ),
    requiredFilters: Strings("Filters the host's FFmpeg must have."),
    model: NonEmpty('The SR model id.'),
    scale: Type.Integer({ minimum: 1, maximum: 8, description: 'Scale factor of the model.' }),
    quality: Type.Optional(
      Type.Boolean({
        description:
          'Also measure PSNR/SSIM of the SR chain vs bicubic on sampled windows (downscaled source → up → vs source).',
      }),
    ),
    hls: Type.Optional(HostHlsSchema),
    srFile: Type.Optional(
      Type.Boolean({ description: 'false: no SR file is written (HLS only; needs `hls`). @default true' }),
    ),
    sizeLimit: Type.Optional(
      sizeLimitSchema(
        "The largest SR picture (source as displayed × scale) encoderArgs' encoder takes; a bigger one uses " +
          '`oversize`, or is refused with VODSR_ENCODER_LIMIT after the probe. Absent: not checked.',
      ),
    ),
    oversize: Type.Optional(HostOversizeSchema),
    pixelFormat: Type.Optional(
      Type.Union([Type.Literal('yuv420p'), Type.Literal('yuv420p10le')], {
        description:
          "The SR file's pixel format: a source in another format (10-bit, 4:4:4; yuvj420p counts as yuv420p) gets " +
          '`-pix_fmt` after the encoder options. Absent: the encoder chooses from the source.',
      }),
    ),
  },
  { $id: 'HostJob', description: 'One vodsr job as the GPU host receives it.' },
);

/** What the GPU host receives. */
export type HostJob = Static<typeof HostJobSchema>;

const SCHEME = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function schemaIssues(value: unknown): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const e of Value.Errors(HostJobSchema, value)) {
    const path = e.instancePath || '/';
    const params = e.params as { requiredProperties?: string[] };
    if (e.keyword === 'required' && params.requiredProperties) {
      const at = path === '/' ? '' : path;
      for (const p of params.requiredProperties) issues.push({ path: `${at}/${p}`, message: 'is required' });
    } else if (path === '/') {
      issues.push({ path, message: 'must be a JSON object' });
    } else if (!issues.some((i) => i.path === path)) {
      // One schema message per value (a string `v` breaks both `type` and `const`).
      issues.push({ path, message: e.message });
    }
  }
  return issues;
}

function locationIssues(path: string, loc: unknown): ValidationIssue[] {
  if (typeof loc !== 'string' || loc.length === 0) return [];
  if (loc.startsWith('s3://')) {
    const rest = loc.slice(5);
    const slash = rest.indexOf('/');
    const bucket = slash < 0 ? rest : rest.slice(0, slash);
    const key = slash < 0 ? '' : rest.slice(slash + 1);
    if (bucketNameProblems(bucket).length > 0 || key.length === 0) {
      return [{ path, message: 'must be s3://bucket/key with a valid bucket and a key' }];
    }
    if (utf8Length(key) > MAX_KEY_BYTES) return [{ path, message: 'the S3 key is longer than 1024 bytes' }];
    return [];
  }
  if (SCHEME.test(loc)) return [{ path, message: 'must be an s3:// URI or a local path' }];
  return [];
}

/** The lower-case (ASCII only) extension of the last path segment, or ''. */
function extensionOf(loc: string): string {
  const base = loc.slice(loc.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot < 0 ? '' : base.slice(dot + 1).replace(/[A-Z]/g, (c) => c.toLowerCase());
}

function encoderIssues(path: string, args: unknown): ValidationIssue[] {
  if (!Array.isArray(args) || !args.every((a) => typeof a === 'string')) return [];
  const re = new RegExp(HOST_ENCODER_OPTION_PATTERN);
  for (let i = 0; i < args.length; ) {
    const opt = args[i] as string;
    // Only the first bad option of a list is reported: after it, which words are values is unknown.
    if (!re.test(opt))
      return [{ path: `${path}/${i}`, message: `option '${opt.slice(0, 64)}' is not allowed` }];
    if (FLAG_OPTIONS.has(opt)) {
      i += 1;
    } else if (i + 1 >= args.length) {
      return [{ path: `${path}/${i}`, message: `option '${opt}' has no value` }];
    } else {
      i += 2;
    }
  }
  return [];
}

/**
 * The names of the filters a `-vf` chain uses: escapes (`\x`) and single-quoted text removed, then every word
 * at the start or after `,`/`;` (past any `[label]`s). `bin/vodsr-host` extracts them with the same regexes.
 *
 * @example vfFilterNames("[in]scale=w=iw*2:h=ih*2,drawtext=text='a,b'") // ['scale', 'drawtext']
 */
export function vfFilterNames(vf: string): string[] {
  const bare = vf.replace(/\\[\s\S]/gu, '').replace(/'[^']*'/gu, '');
  const names = [...bare.matchAll(/(?:^|[,;])[ \t\n\r]*(?:\[[^\]]*\][ \t\n\r]*)*([A-Za-z0-9_]+)/gu)].map(
    (m) => m[1] as string,
  );
  return [...new Set(names)];
}

function filterIssues(vf: unknown, required: unknown): ValidationIssue[] {
  if (typeof vf !== 'string' || !Array.isArray(required) || !required.every((f) => typeof f === 'string')) {
    return [];
  }
  const forbidden = new Set<string>(HOST_FORBIDDEN_FILTERS);
  return vfFilterNames(vf).flatMap((name): ValidationIssue[] => {
    if (forbidden.has(name)) return [{ path: '/vf', message: `filter '${name}' is not allowed` }];
    if (!required.includes(name)) {
      return [{ path: '/vf', message: `filter '${name}' is used in vf but not listed in requiredFilters` }];
    }
    return [];
  });
}

function nulIssues(value: unknown, path: string): ValidationIssue[] {
  if (typeof value === 'string') {
    return value.includes('\u0000') ? [{ path: path || '/', message: 'contains a NUL character' }] : [];
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => nulIssues(v, `${path}/${i}`));
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([k, v]) =>
      nulIssues(v, `${path}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`),
    );
  }
  return [];
}

/**
 * Every problem of a decoded host job (schema + the host's own rules), each with its JSON pointer; `[]` when the
 * job is valid. The same rules as `bin/vodsr-host`'s jq check, tested against the same `HOST_JOB_CASES`.
 *
 * @example validateHostJob({ v: 1 }).map((i) => i.path) // ['/jobId', '/source', …]
 */
export function validateHostJob(value: unknown): ValidationIssue[] {
  const issues = schemaIssues(value);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return issues;
  const o = value as Record<string, unknown>;
  if (typeof o.jobId === 'string' && utf8Length(o.jobId) > MAX_HOST_JOB_ID_BYTES) {
    issues.push({ path: '/jobId', message: `is longer than ${MAX_HOST_JOB_ID_BYTES} bytes` });
  }
  issues.push(...locationIssues('/source', o.source), ...locationIssues('/output', o.output));
  if (typeof o.output === 'string' && o.output.length > 0) {
    if (o.output === o.source) issues.push({ path: '/output', message: 'must differ from the source' });
    if (!(HOST_OUTPUT_EXTENSIONS as readonly string[]).includes(extensionOf(o.output))) {
      issues.push({ path: '/output', message: `must end in one of: .${HOST_OUTPUT_EXTENSIONS.join(' .')}` });
    }
  }
  issues.push(...encoderIssues('/encoderArgs', o.encoderArgs));
  if (o.cpuEncoderArgs !== undefined) issues.push(...encoderIssues('/cpuEncoderArgs', o.cpuEncoderArgs));
  if (typeof o.oversize === 'object' && o.oversize !== null) {
    const ov = o.oversize as Record<string, unknown>;
    issues.push(...encoderIssues('/oversize/encoderArgs', ov.encoderArgs));
    if (ov.cpuEncoderArgs !== undefined)
      issues.push(...encoderIssues('/oversize/cpuEncoderArgs', ov.cpuEncoderArgs));
  }
  issues.push(...filterIssues(o.vf, o.requiredFilters), ...nulIssues(value, ''));
  if (o.hls !== undefined) issues.push(...hlsIssues(o.hls, o.vf));
  if (o.srFile === false && o.hls === undefined) {
    issues.push({ path: '/srFile', message: 'false (HLS only) needs hls' });
  }
  // Field by field, in the order of the contract (the schema's errors come grouped by keyword).
  const rank = (i: ValidationIssue) => {
    const r = ISSUE_ORDER.indexOf(i.path.split('/')[1] ?? '');
    return r < 0 ? ISSUE_ORDER.length : r;
  };
  return issues
    .map((i, n) => ({ i, n }))
    .sort((a, b) => rank(a.i) - rank(b.i) || a.n - b.n)
    .map(({ i }) => i);
}

function hlsIssues(hls: unknown, vf: unknown): ValidationIssue[] {
  if (typeof hls !== 'object' || hls === null || Array.isArray(hls)) return [];
  const h = hls as Record<string, unknown>;
  const issues: ValidationIssue[] = [];
  const dest = h.destination;
  if (typeof dest === 'string' && dest.length > 0) {
    if (!dest.endsWith('/')) issues.push({ path: '/hls/destination', message: 'must end with /' });
    else if (dest.startsWith('s3://')) {
      issues.push(...locationIssues('/hls/destination', `${dest}x`));
    } else if (SCHEME.test(dest)) {
      issues.push({ path: '/hls/destination', message: 'must be an s3:// prefix or a local folder' });
    }
  }
  // The SR chain is spliced into a -filter_complex before `split`: it must stay one linear chain.
  if (typeof vf === 'string' && /[;[\]]/.test(vf)) {
    issues.push({ path: '/vf', message: 'must be one linear chain (no ; [ ]) when the host packages HLS' });
  }
  return issues;
}

const ISSUE_ORDER = [
  '',
  'v',
  'jobId',
  'source',
  'output',
  'vf',
  'model',
  'encoderArgs',
  'cpuEncoderArgs',
  'requiredFilters',
  'scale',
  'quality',
  'hls',
  'srFile',
  'sizeLimit',
  'oversize',
  'pixelFormat',
];

/**
 * Checks a decoded host job; throws `VODSR_VALIDATION` (`ValidationError`) listing every problem with its path.
 *
 * @example const job: HostJob = assertHostJob(JSON.parse(text));
 */
export function assertHostJob(value: unknown): HostJob {
  const issues = validateHostJob(value);
  if (issues.length) throw new ValidationError('host job', issues);
  return value as HostJob;
}

/**
 * Base64 of the host job's JSON: only `[A-Za-z0-9+/=]`, safe in any shell word.
 *
 * @example encodeHostJob(buildHostJob(job, { jobId: 'j1', output: 's3://out/a_sr_2x.mp4' }))
 */
export function encodeHostJob(job: HostJob): string {
  return Buffer.from(JSON.stringify(job), 'utf8').toString('base64');
}

/**
 * Decodes and checks a base64 host job; throws `VODSR_VALIDATION` listing every problem with its path.
 *
 * @example decodeHostJob(encodeHostJob(job)).jobId === job.jobId
 */
export function decodeHostJob(b64: string): HostJob {
  let v: unknown;
  try {
    if (!BASE64.test(b64)) throw new TypeError('not base64');
    v = JSON.parse(Buffer.from(b64, 'base64').toString('utf8'));
  } catch {
    throw new ValidationError('host job', [{ path: '/', message: 'is not base64 JSON' }]);
  }
  return assertHostJob(v);
}
