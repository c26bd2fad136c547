/**
 * Facts about the machine and checkout behind a benchmark's figures, and the order statistics the
 * benchmarks report.
 */

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';

/** The machine, runtime and source a benchmark ran on. */
export interface MachineInfo {
  cpuModel: string;
  cores: number;
  /** 1-, 5- and 15-minute load averages when the benchmark started. */
  loadAverage: [number, number, number];
  node: string;
  /** `git rev-parse HEAD`, or `unknown` outside a git checkout. */
  commit: string;
  /** Whether the working tree had uncommitted changes to tracked files. */
  uncommittedChanges: boolean;
}

/** Describes the machine and the checkout at `root`. */
export function machineInfo(root: string): MachineInfo {
  const [one, five, fifteen] = loadavg();
  return {
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown CPU',
    cores: cpus().length,
    loadAverage: [one ?? 0, five ?? 0, fifteen ?? 0],
    node: process.versions.node,
    commit: git(root, ['rev-parse', 'HEAD']) ?? 'unknown',
    uncommittedChanges: (git(root, ['status', '--porcelain', '--untracked-files=no']) ?? '') !== '',
  };
}

/** Current 1-, 5- and 15-minute load averages. */
export function currentLoadAverage(): [number, number, number] {
  const [one, five, fifteen] = loadavg();
  return [one ?? 0, five ?? 0, fifteen ?? 0];
}

/** Cumulative CPU time of all cores, in the kernel's ticks: all of it, and the part stolen by the hypervisor. */
export interface CpuTicks {
  total: number;
  steal: number;
}

/**
 * Reads the machine's CPU counters from `/proc/stat`, or undefined where there is none (not
 * Linux). On a virtual machine, steal is time a core was ready to run but the hypervisor ran
 * another guest: the benchmark's threads lose it without any process here using it.
 */
export function cpuTicks(): CpuTicks | undefined {
  let line: string | undefined;
  try {
    line = readFileSync('/proc/stat', 'utf8').split('\n').find((entry) => entry.startsWith('cpu '));
  } catch {
    return undefined;
  }
  // cpu user nice system idle iowait irq softirq steal guest guest_nice; guest time is already in user.
  const fields = (line ?? '').trim().split(/\s+/).slice(1, 9).map(Number);
  if (fields.length < 8 || fields.some((value) => !Number.isFinite(value))) return undefined;
  return { total: fields.reduce((sum, value) => sum + value, 0), steal: fields[7] as number };
}

/** Share of the CPU time between two readings that the hypervisor stole, or undefined without both. */
export function stealShare(before: CpuTicks | undefined, after: CpuTicks | undefined): number | undefined {
  if (before === undefined || after === undefined || after.total <= before.total) return undefined;
  return (after.steal - before.steal) / (after.total - before.total);
}

function git(root: string, args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    // Outside a git checkout, or without git: the figures stay valid, only the commit is unknown.
    return undefined;
  }
}

/** Order statistics of timing samples, in the samples' unit. */
export interface Percentiles {
  samples: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

/** Returns p50, p99 (nearest rank), max and mean of the samples. */
export function percentiles(samples: readonly number[]): Percentiles {
  if (samples.length === 0) throw new RangeError('No timing samples to summarise. Run at least one repetition.');
  const sorted = [...samples].sort((left, right) => left - right);
  const rank = (quantile: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(quantile * sorted.length) - 1)] as number;
  const total = sorted.reduce((sum, value) => sum + value, 0);
  return { samples: sorted.length, p50: rank(0.5), p99: rank(0.99), max: sorted[sorted.length - 1] as number, mean: total / sorted.length };
}
