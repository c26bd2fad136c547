/** Entry point of the scheduler worker: exposes one `Scheduler` through Comlink. */
import * as Comlink from 'comlink';
import { Scheduler } from './scheduler.js';

Comlink.expose(new Scheduler());
