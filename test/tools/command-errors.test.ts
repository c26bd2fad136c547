// Bad input that the commands check in their main functions, run as a user would run them.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const folder = mkdtempSync(join(tmpdir(), 'command-errors-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function run(script: string, args: string[]): { status: number | null; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stderr: result.stderr };
}

describe('command errors', () => {
  it('sim rejects an --out file', () => {
    const file = join(folder, 'not-a-folder');
    writeFileSync(file, 'x');
    const result = run('tools/sim.ts', ['--apps', 'weather', '--requests', '10', '--seeds', '1', '--load', '1', '--policies', 'sneakpeek', '--quiet', '--out', file]);

    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`npm run sim: --out ${file} cannot be used as a folder`);
  });

  it('bench rejects a missing --keep file before it runs', () => {
    const result = run('tools/bench.ts', ['--keep', join(folder, 'missing.json')]);

    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`npm run bench: --keep ${join(folder, 'missing.json')} does not exist. Give the results.json of an earlier npm run bench.`);
  });

  it('bench rejects a --keep file of another command', () => {
    const file = join(folder, 'other.json');
    writeFileSync(file, JSON.stringify({ benchmark: 'runtime', runs: [] }));
    const result = run('tools/bench.ts', ['--keep', file]);

    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`npm run bench: --keep ${file} is not the results.json of npm run bench.`);
  });

  it('bench rejects a --keep file that is not JSON', () => {
    const file = join(folder, 'broken.json');
    writeFileSync(file, '{ "benchmark": ');
    const result = run('tools/bench.ts', ['--keep', file]);

    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`npm run bench: --keep ${file} could not be read as JSON`);
  });

  it('bench rejects a probe above the queue bound', () => {
    const result = run('tools/bench.ts', ['--probe-requests', '5000']);

    expect(result.status).toBe(2);
    expect(result.stderr).toContain('npm run bench: --probe-requests is "5000". Give a whole number of requests from 0 to 1800 (default 600).');
  });

  it('bench rejects a probe smaller than the applications', () => {
    const result = run('tools/bench.ts', ['--probe-requests', '2']);

    expect(result.status).toBe(2);
    expect(result.stderr).toContain('npm run bench: --probe-requests is 2, fewer than the 3 applications served. Give at least 3, or 0 to skip the probe.');
  });

  it('bench refuses to render an incomplete results file', () => {
    const file = join(folder, 'empty-suite.json');
    writeFileSync(file, JSON.stringify({ benchmark: 'suite', runs: [], machine: {} }));
    const result = run('tools/bench.ts', ['--render', file, '--out', join(folder, 'rendered-empty'), '--docs', 'none']);

    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`npm run bench: --render ${file} has no options, environment, starts, overhead.`);
  });

  it('bench --render rewrites the committed report from its results', () => {
    const docs = join(folder, 'rendered.md');
    const result = run('tools/bench.ts', ['--render', 'docs/benchmarks/results.json', '--out', join(folder, 'rendered'), '--docs', docs]);

    expect(result.status, result.stderr).toBe(0);
    const committed = readFileSync(join(root, 'docs/benchmarks.md'), 'utf8');
    const rendered = readFileSync(docs, 'utf8');
    // Same figures: every table row of the committed report is in the rendered one.
    for (const row of committed.split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| policy'))) expect(rendered).toContain(row);
  });

  it('bench rejects a missing --render file', () => {
    const result = run('tools/bench.ts', ['--render', join(folder, 'nothing.json')]);

    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`npm run bench: --render ${join(folder, 'nothing.json')} does not exist.`);
  });

  it('bench rejects an empty --keep path', () => {
    const result = run('tools/bench.ts', ['--keep', '']);

    expect(result.status).toBe(2);
    expect(result.stderr).toContain('npm run bench: --keep is empty. Give a path (default none).');
  });

  it('evaluate rejects zero jobs', () => {
    const result = run('tools/evaluate.ts', ['--jobs', '0']);

    expect(result.status).toBe(2);
    expect(result.stderr).toContain('npm run evaluate: --jobs is "0". Give a whole number of worker threads >= 1.');
  });

  it('evaluate rejects an unknown option', () => {
    const result = run('tools/evaluate.ts', ['--frobnicate']);

    expect(result.status).toBe(2);
    expect(result.stderr).toContain("Unknown option '--frobnicate'. Run npm run evaluate -- --help for the options.");
  });
});
