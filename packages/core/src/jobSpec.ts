import Value from 'typebox/value';
import { NVENC_DEFAULTS } from './encoder.js';
import { isVodsrError, ValidationError, type ValidationIssue } from './errors.js';
import { type FilterSpec, renderFilter } from './filters.js';
import { CUSTOM_MODEL_ID, DEFAULT_MODEL_ID, getModel, type SrModel } from './models.js';
import { baseName, fitFileName, parseLocation, srOutputName } from './naming.js';
import { type JobSpec, type JobSpecInput, JobSpecSchema } from './schemas.js';

function schemaIssues(input: unknown): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const allowed = new Map<string, unknown[]>();
  for (const e of Value.Errors(JobSpecSchema, input)) {
    const path = e.instancePath || '/';
    const params = e.params as { requiredProperties?: string[]; allowedValue?: unknown };
    if (e.keyword === 'boolean' || e.keyword === 'additionalProperties') continue; // reported by additionalIssues
    if (e.keyword === 'const') {
      allowed.set(path, [...(allowed.get(path) ?? []), params.allowedValue]);
      continue;
    }
    if (e.keyword === 'anyOf' && allowed.has(path)) continue;
    const message =
      e.keyword === 'required' && params.requiredProperties
        ? `missing required ${params.requiredProperties.join(', ')}`
        : e.message;
    issues.push({ path, message });
  }
  for (const [path, values] of allowed) {
    issues.push({ path, message: `must be one of ${values.map((v) => JSON.stringify(v)).join(', ')}` });
  }
  return issues;
}

function additionalIssues(input: Record<string, unknown>): ValidationIssue[] {
  const known = new Set(Object.keys(JobSpecSchema.properties));
  return Object.keys(input)
    .filter((k) => !known.has(k))
    .map((k) => ({ path: `/${k}`, message: `unknown property (known: ${[...known].join(', ')})` }));
}

/** The resolved SR model of a job: its filters for the job's scale and what the host must have. */
export interface ResolvedModel {
  readonly id: string;
  readonly label: string;
  readonly scale: number;
  readonly filters: readonly FilterSpec[];
  readonly requiredFilters: readonly string[];
  readonly requiresBluewhale: boolean;
}

/** Resolves the model of a (validated) job. */
export function resolveModel(job: Pick<JobSpec, 'model' | 'scale' | 'filters'>): ResolvedModel {
  if (job.model === CUSTOM_MODEL_ID) {
    const filters = job.filters ?? [];
    return {
      id: CUSTOM_MODEL_ID,
      label: 'User-defined filter chain',
      scale: job.scale,
      filters,
      requiredFilters: [...new Set(filters.map((f) => f.name))],
      requiresBluewhale: filters.some((f) => /_aws$/.test(f.name)),
    };
  }
  const m: SrModel = getModel(job.model);
  return {
    id: m.id,
    label: m.label,
    scale: job.scale,
    filters: m.filters(job.scale),
    requiredFilters: m.requiredFilters,
    requiresBluewhale: m.requiresBluewhale,
  };
}

/**
 * Validates a submitted job and fills in every default. Reports every problem at once
 * (`VODSR_VALIDATION` with `issues: [{path, message}]`), never only the first.
 *
 * @example parseJobSpec({ source: 's3://in/apink_10s.mp4', output: 's3://out/' }).srName === 'apink_10s_sr_2x.mp4'
 */
export function parseJobSpec(input: unknown): JobSpec {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ValidationError('job', [{ path: '/', message: 'must be a JSON object' }]);
  }
  const raw = Value.Default(JobSpecSchema, structuredClone(input)) as Record<string, unknown>;
  const issues = schemaIssues(raw);
  issues.push(...additionalIssues(raw));
  // Semantic checks run even when the schema found problems (on the fields whose type is right), so a job with
  // several problems hears about every one at once.
  const bad = new Set(issues.map((i) => i.path.split('/')[1]));
  const spec = raw as JobSpecInput;
  const model = spec.model ?? DEFAULT_MODEL_ID;
  const semantic: ValidationIssue[] = [];
  const check = (path: string, fn: () => void) => {
    try {
      fn();
    } catch (e) {
      if (isVodsrError(e)) semantic.push({ path, message: e.message });
      else throw e;
    }
  };
  if (!bad.has('source') && typeof spec.source === 'string')
    check('/source', () => {
      const loc = parseLocation(spec.source);
      if (loc.kind === 's3' && (loc.key === '' || loc.key.endsWith('/'))) {
        semantic.push({ path: '/source', message: 'must name an object, not a prefix' });
      }
    });
  if (typeof spec.output === 'string' && !bad.has('output'))
    check('/output', () => parseLocation(spec.output as string));
  let scale = spec.scale ?? 2;
  if (bad.has('model') || bad.has('filters') || bad.has('scale') || typeof model !== 'string') {
    // the schema already said what is wrong with the model fields
  } else if (model === CUSTOM_MODEL_ID) {
    if (!spec.filters?.length)
      semantic.push({ path: '/filters', message: 'model "custom" needs a filter chain' });
    else
      spec.filters.forEach((f, i) => {
        check(`/filters/${i}`, () => renderFilter(f));
      });
  } else {
    check('/model', () => {
      const m = getModel(model);
      scale = spec.scale ?? m.defaultScale;
      if (!m.scales.includes(scale)) {
        semantic.push({
          path: '/scale',
          message: `model ${m.id} supports scale ${m.scales.join(', ')}, not ${scale}`,
        });
      }
    });
    if (spec.filters)
      semantic.push({ path: '/filters', message: 'only model "custom" takes a filter chain' });
  }
  if (
    typeof spec.srName === 'string' &&
    !bad.has('srName') &&
    (spec.srName.includes('/') || /^\.+$/.test(spec.srName) || spec.srName.includes('\0'))
  ) {
    semantic.push({ path: '/srName', message: 'must be a file name (no "/", not "." or "..")' });
  }
  if (spec.srFile === false && (spec.packaging?.preset ?? 'hls-single') === 'none') {
    semantic.push({
      path: '/srFile',
      message: 'false (HLS only) needs a packaging preset other than "none"',
    });
  }
  if (spec.srFile === false && spec.packaging?.engine === 'mediaconvert') {
    semantic.push({
      path: '/srFile',
      message: 'false (HLS only) needs packaging.engine "host": MediaConvert packages from the SR file',
    });
  }
  issues.push(...semantic);
  if (issues.length) throw new ValidationError('job', issues);

  const encoder = Value.Default(JobSpecSchema.properties.encoder, spec.encoder ?? {}) as JobSpec['encoder'];
  const packaging = Value.Default(
    JobSpecSchema.properties.packaging,
    spec.packaging ?? {},
  ) as JobSpec['packaging'];
  const job: JobSpec = {
    source: spec.source,
    // A derived name is fitted to a path segment (255 bytes); prepareJob fits it to the output's key room.
    srName: fitFileName(spec.srName ?? srOutputName(baseName(spec.source), scale)),
    model,
    scale,
    encoder: { ...NVENC_DEFAULTS, ...encoder },
    packaging,
    srFile: spec.srFile ?? true,
    metadata: { ...(spec.metadata ?? {}) },
  };
  if (spec.output !== undefined) job.output = spec.output;
  if (spec.filters) job.filters = structuredClone(spec.filters);
  if (spec.idempotencyKey !== undefined) job.idempotencyKey = spec.idempotencyKey;
  if (spec.quality === true) job.quality = true;
  if (spec.modelFallback === false) job.modelFallback = false;
  return job;
}
