/**
 * Runs grid cells on worker threads, one cell at a time per worker, and returns the results in
 * cell order, so the output does not depend on the number of workers or on which finishes first.
 *
 * Workers are TypeScript modules, so each starts from a small JavaScript module that registers
 * tsx's loader first: Node 20 does not pass `--import tsx` on to worker threads.
 */

import { Worker } from 'node:worker_threads';

import type { ExperimentResult, GridCell } from '../../src/core/simulator/experiment.js';
import type { CellSpecData } from './cell-spec.js';

export interface CellRequest {
  index: number;
  cell: GridCell;
}

export type CellReply = { index: number; result: ExperimentResult } | { index: number; error: string };

/** Runs every cell on `jobs` workers; calls `onCell` as each finishes. Rejects on the first failure. */
export function runCellsInWorkers(
  data: CellSpecData,
  cells: readonly GridCell[],
  jobs: number,
  onCell: (cell: GridCell, result: ExperimentResult) => void,
): Promise<ExperimentResult[]> {
  const workerCount = Math.max(1, Math.min(jobs, cells.length));
  const results = new Array<ExperimentResult | undefined>(cells.length);
  const workers: Worker[] = [];
  let next = 0;
  let finished = 0;

  return new Promise<ExperimentResult[]>((resolve, reject) => {
    const stop = (error: Error | undefined): void => {
      for (const worker of workers) void worker.terminate();
      if (error === undefined) resolve(results as ExperimentResult[]);
      else reject(error);
    };
    const dispatch = (worker: Worker): void => {
      if (next >= cells.length) return;
      const index = next++;
      worker.postMessage({ index, cell: cells[index] as GridCell } satisfies CellRequest);
    };

    for (let count = 0; count < workerCount; count += 1) {
      const worker = startWorker(data);
      workers.push(worker);
      worker.on('message', (reply: CellReply) => {
        if ('error' in reply) {
          stop(new Error(`Simulating cell ${JSON.stringify(cells[reply.index])} failed in a worker thread: ${reply.error}`));
          return;
        }
        results[reply.index] = reply.result;
        onCell(cells[reply.index] as GridCell, reply.result);
        finished += 1;
        if (finished === cells.length) stop(undefined);
        else dispatch(worker);
      });
      worker.on('error', (error) => stop(new Error(`A simulation worker thread failed: ${error.message}`, { cause: error })));
      dispatch(worker);
    }
  });
}

function startWorker(data: CellSpecData): Worker {
  const loader = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./cell-worker.ts', import.meta.url).href;
  const bootstrap = `import { register } from ${JSON.stringify(loader)}; register(); await import(${JSON.stringify(entry)});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`), { workerData: data });
}
