/**
 * Summarises a V8 CPU profile (`node --cpu-prof` writes one `.cpuprofile` per thread) as the
 * functions with the most self time and the most total time, so a benchmark report can name where
 * the time goes without a profiler UI.
 *
 * Usage: npx tsx tools/bench/profile-summary.ts FILE.cpuprofile [--top N] [--under NAME]
 *   --top N       rows per table (default 15)
 *   --under NAME  count only samples whose stack contains a function named NAME, for example decide
 */

import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  /** Microseconds between consecutive samples. */
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({
  args: process.argv.slice(2),
  options: { top: { type: 'string', default: '15' }, under: { type: 'string' } },
  allowPositionals: true,
});
const file = positionals[0];
const top = Number(values.top);
if (file === undefined || !Number.isInteger(top) || top < 1) {
  console.error('Usage: npx tsx tools/bench/profile-summary.ts FILE.cpuprofile [--top N] [--under NAME], with N a whole number >= 1.');
  process.exit(2);
}

const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

const label = (node: ProfileNode): string => {
  // Line numbers are left out, because under tsx they refer to the transformed module.
  const { functionName, url } = node.callFrame;
  const where = url === '' ? '' : ` ${relative(process.cwd(), url.replace(/^file:\/\//, ''))}`;
  return `${functionName === '' ? '(anonymous)' : functionName}${where}`;
};

// Each sample lasts until the next one, so the last sample counts no time.
const selfMs = new Map<string, number>();
const totalMs = new Map<string, number>();
let countedMs = 0;
for (const [index, sampleId] of profile.samples.entries()) {
  const ms = (profile.timeDeltas[index + 1] ?? 0) / 1000;
  const stack: ProfileNode[] = [];
  for (let id: number | undefined = sampleId; id !== undefined; id = parent.get(id)) {
    const node = byId.get(id);
    if (node !== undefined) stack.push(node);
  }
  if (values.under !== undefined && !stack.some((node) => node.callFrame.functionName === values.under)) continue;

  countedMs += ms;
  const leaf = stack[0];
  if (leaf !== undefined) selfMs.set(label(leaf), (selfMs.get(label(leaf)) ?? 0) + ms);
  for (const name of new Set(stack.map(label))) totalMs.set(name, (totalMs.get(name) ?? 0) + ms);
}

const render = (title: string, times: Map<string, number>): string => {
  const rows = [...times].sort((left, right) => right[1] - left[1]).slice(0, top);
  return [title, ...rows.map(([name, ms]) => `${ms.toFixed(0).padStart(8)} ms ${((100 * ms) / countedMs).toFixed(1).padStart(5)}%  ${name}`)].join('\n');
};

const garbageMs = selfMs.get('(garbage collector)') ?? 0;
console.log(`${file}: ${countedMs.toFixed(0)} ms of samples${values.under === undefined ? '' : ` under ${values.under}`}`);
if (values.under !== undefined) console.log('Garbage collection has no caller in a CPU profile, so --under leaves it out; run without --under to see it.');
else console.log(`Garbage collection: ${garbageMs.toFixed(0)} ms (${((100 * garbageMs) / Math.max(countedMs, 1e-9)).toFixed(1)}%)`);
console.log(`\n${render('Self time', selfMs)}`);
console.log(`\n${render('Total time (the function and what it calls)', totalMs)}`);
