/**
 * A worker thread of `npm run sim`: it rebuilds the cell spec from the data it was started with,
 * then runs each grid cell it receives and posts the result back, or the error message.
 */

import { parentPort, workerData } from 'node:worker_threads';

import type { GridCell } from '../../src/core/simulator/experiment.js';
import { buildCellSpec, runPreparedCell, type CellSpecData } from './cell-spec.js';
import type { CellReply, CellRequest } from './pool.js';

const port = parentPort;
if (port === null) throw new Error('tools/sim/cell-worker.ts runs only as a worker thread started by tools/sim/pool.ts.');

const data = workerData as CellSpecData;
const { spec } = buildCellSpec(data);
port.on('message', (request: CellRequest) => {
  const cell: GridCell = request.cell;
  let reply: CellReply;
  try {
    reply = { index: request.index, result: runPreparedCell(spec, data.trace, cell) };
  } catch (error) {
    reply = { index: request.index, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
  port.postMessage(reply);
});
