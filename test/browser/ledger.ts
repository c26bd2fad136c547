/**
 * Outcome accounting for browser tests: a page-side ledger that submits requests through a
 * runtime, counts the outcome events of each request id, and reads `stats()` every few
 * milliseconds to check `accepted = completed + Σ dropped + open` and the memory budget at every
 * read. The Node side turns its report into assertions.
 */
import { expect, type Page } from '@playwright/test';
import type { Runtime, RuntimeStats } from '../../src/index.js';

type SubmitInit = Parameters<Runtime['submit']>[0];

/** What a ledger saw, returned by `settle()`. */
export interface LedgerReport {
  /** Ids whose `submit()` resolved, so the runtime accepted them. */
  accepted: string[];
  /** Ids whose `submit()` rejected, with the error. */
  rejected: { id: string; name: string; message: string }[];
  /** Outcome events per request id. */
  events: Record<string, number>;
  /** Outcome status or drop reason per accepted id, from the `submit()` promise. */
  results: Record<string, string>;
  /** Stats reads taken while requests were open. */
  reads: number;
  /** The first invariant violations seen, if any. */
  violations: string[];
  /** Largest `residentBytes` seen by the reads. */
  maxResidentBytes: number;
  final: RuntimeStats;
}

/** The page-side ledger, published as `window.sneakpeekLedger` by `installLedger`. */
export interface Ledger {
  submit(init: SubmitInit): Promise<unknown>;
  /** Waits for every submission to settle, stops reading and returns the report. */
  settle(): Promise<LedgerReport>;
}

declare global {
  interface Window {
    createLedger?: (runtime: Runtime) => Ledger;
    /** Ledgers created so far in the page; it keeps generated ids apart. */
    ledgerCount?: number;
  }
}

/** Defines `window.createLedger` in the page. */
export async function installLedger(page: Page): Promise<void> {
  await page.evaluate(() => {
    window.createLedger = (runtime) => {
      const prefix = `ledger${(window.ledgerCount = (window.ledgerCount ?? 0) + 1)}-`;
      const submitted = new Set<string>();
      const accepted: string[] = [];
      const rejected: { id: string; name: string; message: string }[] = [];
      const events: Record<string, number> = {};
      const results: Record<string, string> = {};
      const violations: string[] = [];
      const submissions: Promise<unknown>[] = [];
      let reads = 0;
      let maxResidentBytes = 0;
      let next = 0;
      let reading = true;

      // Counts the outcomes of this ledger's requests only; other ledgers may share the runtime.
      runtime.addEventListener('outcome', (event) => {
        const id = event.outcome.requestId;
        if (submitted.has(id)) events[id] = (events[id] ?? 0) + 1;
      });

      const check = (stats: RuntimeStats) => {
        const dropped = Object.values(stats.dropped).reduce((sum, count) => sum + count, 0);
        if (stats.accepted !== stats.completed + dropped + stats.open && violations.length < 10) {
          violations.push(`accepted ${stats.accepted} ≠ completed ${stats.completed} + dropped ${dropped} + open ${stats.open}`);
        }
        // `estimating` is what `open` leaves after the queue and the batch in flight, so a queue or
        // batch holding settled requests shows up as a negative count.
        if (stats.estimating < 0 && violations.length < 10) {
          violations.push(`estimating ${stats.estimating} < 0 (open ${stats.open}, queued ${stats.queued}, in flight ${stats.inFlight})`);
        }
        if (stats.residentBytes > stats.memoryBudgetBytes && violations.length < 10) {
          violations.push(`resident ${stats.residentBytes} bytes > budget ${stats.memoryBudgetBytes}`);
        }
        maxResidentBytes = Math.max(maxResidentBytes, stats.residentBytes);
      };
      const poll = async () => {
        while (reading) {
          check(await runtime.stats());
          reads++;
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      };
      const polling = poll();

      return {
        submit(init) {
          const id = init.id ?? `${prefix}${++next}`;
          submitted.add(id);
          const submission = runtime.submit({ ...init, id }).then(
            (outcome) => {
              accepted.push(id);
              results[id] = outcome.status === 'completed' ? `completed on ${outcome.provider}` : outcome.reason;
              return outcome;
            },
            (error: Error) => {
              rejected.push({ id, name: error.name, message: error.message });
              return error;
            },
          );
          submissions.push(submission);
          return submission;
        },
        async settle() {
          await Promise.all(submissions);
          reading = false;
          await polling;
          const final = await runtime.stats();
          check(final);
          return { accepted, rejected, events, results, reads, violations, maxResidentBytes, final };
        },
      };
    };
  });
}

/**
 * Asserts that every accepted request got exactly one outcome event, that no rejected one got
 * any, that the stats agree with the ledger, and that no read broke the invariants.
 */
export function expectExactlyOneOutcome(report: LedgerReport): void {
  const duplicated = Object.entries(report.events).filter(([, count]) => count !== 1);
  expect(duplicated, 'request ids with more than one outcome event').toEqual([]);
  const missing = report.accepted.filter((id) => report.events[id] === undefined);
  expect(missing, 'accepted request ids without an outcome event').toEqual([]);
  const strays = report.rejected.filter((rejection) => report.events[rejection.id] !== undefined);
  expect(strays, 'rejected request ids with an outcome event').toEqual([]);

  const dropped = Object.values(report.final.dropped).reduce((sum, count) => sum + count, 0);
  expect(report.final.accepted, 'stats.accepted against the ledger').toBe(report.accepted.length);
  expect(report.final.completed + dropped, 'completed plus dropped at the end').toBe(report.accepted.length);
  expect(report.final.open, 'open requests at the end').toBe(0);
  expect(report.violations, 'invariant violations seen by stats reads').toEqual([]);
  expect(report.reads, 'stats reads while requests were open').toBeGreaterThan(0);
}

/** Counts the values of `results`, for example `{ 'completed on wasm': 30, 'worker-lost': 2 }`. */
export function tally(results: Record<string, string>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of Object.values(results)) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}
