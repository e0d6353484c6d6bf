// Runs an ASL definition in-process with aws-local-stepfunctions and reports how it ended.

// aws-local-stepfunctions 3 needs Promise.withResolvers (Node 22); this machine runs Node 20.
const P = Promise as unknown as { withResolvers?: unknown };
if (typeof P.withResolvers !== 'function') {
  P.withResolvers = <T>() => {
    let resolve!: (v: T) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<T>((a, b) => {
      resolve = a;
      reject = b;
    });
    return { promise, resolve, reject };
  };
}

const { StateMachine } = await import('aws-local-stepfunctions');
const { default: jsonata } = await import('jsonata');

type Json = unknown;

/** Evaluates a JSONata template as Step Functions does: `"{% expr %}"` strings anywhere in objects and arrays. */
export async function evalJsonataTemplate(v: Json, states: Record<string, unknown>): Promise<Json> {
  if (typeof v === 'string') {
    const m = /^\{%([\s\S]*)%\}$/.exec(v);
    return m ? jsonata(m[1] as string).evaluate({}, { states }) : v;
  }
  if (Array.isArray(v)) return Promise.all(v.map((x) => evalJsonataTemplate(x, states)));
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = await evalJsonataTemplate(x, states);
    return out;
  }
  return v;
}

const MERGE_ERROR = /^\{% \$merge\(\[\$states\.input, \{ "([A-Za-z]+)": \$states\.errorOutput \}\]\) %\}$/;

/**
 * aws-local-stepfunctions 3.0.0 runs JSONPath only: a JSONata Task state (per-state `QueryLanguage`) runs here
 * with its handler wrapped to do what Step Functions does — `Arguments` evaluated on the state input (the handler
 * receives them), `Output` evaluated on `$states.input` and `$states.result` — and a catcher's
 * `$merge([$states.input, { "k": $states.errorOutput }])` Output run as its JSONPath twin `ResultPath: '$.k'`
 * (any other catcher Output is refused). Retries are the engine's own.
 */
export function emulateJsonataStates(
  definition: Record<string, unknown>,
  handlers: Record<string, Handler>,
): { definition: Record<string, unknown>; handlers: Record<string, Handler> } {
  const def = structuredClone(definition) as { States: Record<string, Record<string, unknown>> };
  const hs = { ...handlers };
  for (const [name, st] of Object.entries(def.States)) {
    if (st.QueryLanguage !== 'JSONata') continue;
    if (st.Type !== 'Task') throw new Error(`local JSONata emulation: ${name} is not a Task state`);
    const args = st.Arguments;
    const output = st.Output;
    for (const c of (st.Catch ?? []) as Record<string, unknown>[]) {
      if (c.Output === undefined) continue;
      const m = MERGE_ERROR.exec(String(c.Output));
      if (!m) throw new Error(`local JSONata emulation: catcher Output of ${name} is not supported`);
      c.ResultPath = `$.${m[1]}`;
      delete c.Output;
    }
    for (const k of ['QueryLanguage', 'Arguments', 'Output']) delete st[k];
    const inner = handlers[name];
    if (inner === undefined) continue;
    hs[name] = async (input) => {
      const a = args === undefined ? input : await evalJsonataTemplate(args, { input });
      const result = await inner(a);
      return output === undefined ? result : evalJsonataTemplate(output, { input, result });
    };
  }
  return { definition: def, handlers: hs };
}

export type Handler = (input: unknown) => Promise<unknown> | unknown;

export interface LocalRun {
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
  /** Names of the states entered, in order (one entry per state transition). */
  readonly path: string[];
  /** The input each state received, by state name (last one wins). */
  readonly inputs: Record<string, unknown>;
}

/** An error as Step Functions sees it: `name` is the error, `message` the cause. */
export function stateError(error: string, cause: string): Error {
  const e = new Error(cause);
  e.name = error;
  return e;
}

/** Executes `definition` with local task handlers keyed by state name. */
export async function runLocal(
  definition: Record<string, unknown>,
  input: unknown,
  handlers: Record<string, Handler>,
  opts: { taskToken?: string; waitMs?: Record<string, number> } = {},
): Promise<LocalRun> {
  const emulated = emulateJsonataStates(definition, handlers);
  const sm = new StateMachine(emulated.definition as never);
  const waitNames = Object.keys(
    Object.fromEntries(
      Object.entries(definition.States as Record<string, { Type: string }>).filter(
        ([, s]) => s.Type === 'Wait',
      ),
    ),
  );
  const retryNames = Object.keys(definition.States as object);
  const exec = sm.run(input as never, {
    context: { Task: { Token: opts.taskToken ?? 'local-task-token' } } as never,
    overrides: {
      taskResourceLocalHandlers: emulated.handlers as never,
      waitTimeOverrides: Object.fromEntries(waitNames.map((n) => [n, opts.waitMs?.[n] ?? 0])),
      retryIntervalOverrides: Object.fromEntries(retryNames.map((n) => [n, 0])),
    },
  });
  const path: string[] = [];
  const inputs: Record<string, unknown> = {};
  const logs = (async () => {
    for await (const ev of exec.eventLogs) {
      if (ev.type === 'StateEntered') {
        path.push(ev.state.name);
        inputs[ev.state.name] = ev.state.input;
      }
    }
  })();
  try {
    const output = await exec.result;
    await logs;
    return { status: 'SUCCEEDED', output, path, inputs };
  } catch (e) {
    await logs.catch(() => undefined);
    const cause = (e as { cause?: { name?: string; message?: string } }).cause;
    return {
      status: 'FAILED',
      ...(cause?.name === undefined ? {} : { error: cause.name }),
      ...(cause?.message === undefined ? {} : { cause: cause.message }),
      path,
      inputs,
    };
  }
}
