/** Entry point of the inference worker: exposes one `InferenceEngine` through Comlink. */
import * as Comlink from 'comlink';
import { InferenceEngine } from './engine.js';

Comlink.expose(new InferenceEngine());
