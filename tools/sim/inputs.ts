/**
 * Reads what a simulation needs from disk: the manifest, each chosen application's recorded
 * outputs and the device profile. Every failure names the file or application and the fix.
 */

import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

import type { DeviceProfile } from '../../src/core/device-profile.js';
import type { Manifest, RecordedOutputs } from '../../src/core/manifest.js';
import { buildSimApplication } from '../../src/core/simulator/applications.js';
import { createCostModel, type CostModel } from '../../src/core/simulator/device-costs.js';
import type { SimApplication } from '../../src/core/simulator/sim-model.js';
import { parseTraceText } from '../../src/core/workloads/trace-file.js';
import type { TraceInput } from './cell-spec.js';
import { UsageError } from './options.js';

export interface SimInputs {
  applications: SimApplication[];
  costs: CostModel;
  profile: DeviceProfile;
  manifestPath: string;
  profilePath: string;
}

/** Loads the chosen applications (or every one with recorded outputs) and the device profile. */
export function loadSimInputs(root: string, manifestOption: string, profileOption: string, apps: readonly string[] | undefined): SimInputs {
  const manifestPath = resolve(root, manifestOption);
  const profilePath = resolve(root, profileOption);
  const manifest = readJson<Manifest>(manifestPath, '--manifest', 'Train the models first with npm run train');
  if (!Array.isArray((manifest as Partial<Manifest>).applications)) {
    throw new UsageError(`--manifest ${manifestPath} has no "applications" array, so it is not a model manifest. Pass a manifest such as models/manifest.json.`);
  }
  const profile = readJson<DeviceProfile>(profilePath, '--profile', 'Measure one with npm run measure:node (Node) or npm run measure (Chromium)');
  const models = (profile as Partial<DeviceProfile>).models;
  if (typeof models !== 'object' || models === null || Array.isArray(models)) {
    throw new UsageError(`--profile ${profilePath} has no "models" object, so it is not a device profile. Pass a profile such as models/profiles/node-wasm.json.`);
  }
  const costs = createCostModel(profile);

  const recordedApplications = manifest.applications.filter((application) => application.recordedFile !== undefined);
  const chosen =
    apps === undefined
      ? recordedApplications
      : apps.map((id) => {
          const application = manifest.applications.find((candidate) => candidate.id === id);
          if (application === undefined) {
            throw new UsageError(
              `--apps names "${id}", which ${manifestPath} does not contain. Applications: ${manifest.applications.map((candidate) => candidate.id).join(', ')}.`,
            );
          }
          if (application.recordedFile === undefined) {
            throw new UsageError(
              `--apps names "${id}", which has no recordedFile in ${manifestPath}, so the simulator has no predictions of its models. Retrain it with npm run train, or leave it out.`,
            );
          }
          return application;
        });
  if (chosen.length === 0) {
    throw new UsageError(`${manifestPath} has no application with a recordedFile. Retrain the models with npm run train to record their outputs.`);
  }

  const applications = chosen.map((application) => {
    const recordedPath = resolve(dirname(manifestPath), application.recordedFile as string);
    const recorded = readJson<RecordedOutputs>(recordedPath, `recordedFile of "${application.id}"`, 'Retrain the application with npm run train');
    return buildSimApplication(application, recorded, costs);
  });
  return { applications, costs, profile, manifestPath, profilePath };
}

/**
 * Reads and parses the trace file of `--trace`. Its rows are checked against the served
 * applications later, in `buildCellSpec`. Throws a `UsageError` for a missing file and a
 * `TraceFileError` for a malformed or empty one.
 */
export function readTraceFile(root: string, traceOption: string): TraceInput {
  const path = resolve(root, traceOption);
  if (!existsSync(path)) throw new UsageError(`--trace file ${path} was not found. Give the path of a CSV or JSON trace file; npm run sim -- --help shows the format.`);
  if (!statSync(path).isFile()) throw new UsageError(`--trace names ${path}, which is not a file. Give the path of a CSV or JSON trace file.`);
  return { source: path, rows: parseTraceText(readFileSync(path, 'utf8'), path) };
}

function readJson<T>(path: string, what: string, fix: string): T {
  if (!existsSync(path)) throw new UsageError(`${what} file ${path} was not found. ${fix}.`);
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (error) {
    throw new UsageError(`${what} file ${path} is not valid JSON (${error instanceof Error ? error.message : String(error)}). ${fix}.`);
  }
}
