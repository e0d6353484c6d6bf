// API submission throughput: POST /v1/jobs with durable writes, measured from a separate client process.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

function startServer(dataDir, token) {
  const child = spawn(process.execPath, [join(here, 'api-server.mjs'), dataDir, token], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d) => {
      buf += d;
      const m = /listening (\S+)/.exec(buf);
      if (m) resolve({ child, url: m[1] });
    });
    child.on('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
}

function post(agent, url, token, body) {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const req = http.request(
      `${url}/v1/jobs`,
      {
        method: 'POST',
        agent,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          resolve({ status: res.statusCode, ms: Number(process.hrtime.bigint() - t0) / 1e6 }),
        );
      },
    );
    req.on('error', () => resolve({ status: 0, ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
    req.end(body);
  });
}

function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/**
 * Runs `connections` concurrent keep-alive clients for `seconds` (after a 1 s warm-up) and returns submissions/s
 * and latency percentiles of 201 responses. Checks afterwards that every acknowledged job is in the database.
 */
export async function benchSubmit({ seconds = 5, connections = 16 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'vodsr-bench-'));
  const token = 'bench-token-0123456789abcdef';
  const source = join(dir, 'clip.mp4');
  execFileSync('ffmpeg', [
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    'testsrc2=s=160x120:r=25:d=1',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    source,
  ]);
  const { child, url } = await startServer(join(dir, 'data'), token);
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const lat = [];
  let ok = 0;
  let errors = 0;
  let seq = 0;
  let measuring = false;
  let stop = false;
  const worker = async () => {
    while (!stop) {
      seq += 1;
      const body = JSON.stringify({ source, model: 'lanczos-x2', metadata: { n: String(seq) } });
      const r = await post(agent, url, token, body);
      if (!measuring) continue;
      if (r.status === 201) {
        ok += 1;
        lat.push(r.ms);
      } else errors += 1;
    }
  };
  const workers = Array.from({ length: connections }, worker);
  await new Promise((r) => setTimeout(r, 1000));
  measuring = true;
  const t0 = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  measuring = false;
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  stop = true;
  await Promise.all(workers);
  agent.destroy();
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));

  // durability check: reopen the database in this process and count the jobs
  const { LocalJobService } = await import('@vodsr/api');
  const svc = await LocalJobService.open({ dataDir: join(dir, 'data'), workers: false });
  let stored = 0;
  let cursor;
  do {
    const page = await svc.list({ limit: 100, ...(cursor ? { cursor } : {}) });
    stored += page.jobs.length;
    cursor = page.nextCursor;
  } while (cursor);
  await svc.close();
  rmSync(dir, { recursive: true, force: true });

  lat.sort((a, b) => a - b);
  return {
    submissionsPerSecond: ok / elapsed,
    p50: percentile(lat, 50),
    p99: percentile(lat, 99),
    ok,
    errors,
    connections,
    storedJobs: stored,
    acknowledgedIncludingWarmup: seq - connections,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await benchSubmit());
}
