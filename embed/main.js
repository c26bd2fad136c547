/**
 * The embedding demo: configures the <sneakpeek-runtime> element from the query string, starts it,
 * submits test records of every application and lists the answers.
 *
 * Query parameters (all optional):
 * - manifest: URL of manifest.json (default: /models/manifest.json on this origin)
 * - ort-base: folder of onnxruntime-web's .mjs and .wasm files (default: the files in dist-lib/assets)
 * - provider: auto, webgpu or wasm (default: wasm, the attribute in index.html)
 * - records: test records per application (default 4)
 * - deadline: deadline of each request in milliseconds (default 30000, generous for a slow machine)
 * - profile-runs: timed runs per batch size when profiling at start (default 3; 1 starts faster)
 * - headless: present to hide the element's request and schedule views
 *
 * The state is also published as `window.embedDemo` ({ state, rows, error }) for scripts; each row
 * has the application, the record index, the true class and the outcome.
 */
import '../dist-lib/sneakpeek-runtime.js';

const query = new URLSearchParams(location.search);
const element = document.querySelector('sneakpeek-runtime');
const status = document.getElementById('status');
const answers = document.getElementById('answers');
const demo = { state: 'starting', rows: [], error: undefined };
window.embedDemo = demo;

for (const attribute of ['manifest', 'ort-base', 'provider']) {
  const value = query.get(attribute);
  if (value !== null) element.setAttribute(attribute, value);
}
if (!element.hasAttribute('manifest')) element.setAttribute('manifest', '/models/manifest.json');
element.toggleAttribute('headless', query.has('headless'));

run().catch((error) => {
  demo.state = 'failed';
  demo.error = error instanceof Error ? error.message : String(error);
  status.textContent = `Failed: ${demo.error}`;
  status.className = 'error';
});

async function run() {
  const recordsPerApplication = readPositiveInteger('records', 4);
  const deadlineMs = readPositiveInteger('deadline', 30_000);
  // Options without an attribute go through the `options` property.
  if (query.has('profile-runs')) element.options = { profileRuns: readPositiveInteger('profile-runs', 3) };
  status.textContent = 'Starting the runtime: downloading and profiling the models.';
  const runtime = await element.start();
  status.textContent = `Runtime ready on ${runtime.ready.provider}; submitting test records.`;

  const manifestUrl = runtime.ready.manifestUrl;
  const manifest = await fetchOk(manifestUrl).then((response) => response.json());
  const testSets = await Promise.all(
    runtime.ready.applications.map((application) => loadTestRecords(manifestUrl, manifest, application, recordsPerApplication)),
  );

  // Records of all applications go out in one task, so the scheduler batches them and chooses variants.
  const submissions = [];
  runtime.ready.applications.forEach((application, applicationIndex) => {
    const testSet = testSets[applicationIndex];
    for (const [index, record] of testSet.records.entries()) {
      const submitted = element.submit({ application: application.id, input: record, deadlineMs });
      submissions.push(submitted.then((outcome) => addRow(application, index, application.classes[testSet.labels[index]], outcome)));
    }
  });
  await Promise.all(submissions);

  demo.state = 'done';
  const completed = demo.rows.filter((row) => row.outcome.status === 'completed').length;
  status.textContent = `Done: ${completed} of ${demo.rows.length} requests completed.`;
}

/**
 * Fetches the first `count` records and labels of an application's test set, stored beside the
 * manifest. Records of 4 bytes per input element contain float32 values, others one byte each.
 */
async function loadTestRecords(manifestUrl, manifest, application, count) {
  const entry = manifest.applications.find((candidate) => candidate.id === application.id)?.testSet;
  if (entry === undefined) throw new Error(`The manifest at ${manifestUrl} has no test set for "${application.id}".`);

  const resolve = (file) => new URL(file, manifestUrl).href;
  const [inputs, labels] = await Promise.all([
    fetchOk(resolve(entry.inputsFile)).then((response) => response.arrayBuffer()),
    fetchOk(resolve(entry.labelsFile)).then((response) => response.arrayBuffer()),
  ]);
  // inputShape is the shape of one record, without the batch axis.
  const elements = application.inputShape.reduce((product, size) => product * size, 1);
  const floats = entry.recordBytes === 4 * elements;
  const records = [];
  for (let index = 0; index < Math.min(count, entry.count); index++) {
    const start = index * entry.recordBytes;
    records.push(floats ? new Float32Array(inputs.slice(start, start + entry.recordBytes)) : new Uint8Array(inputs, start, entry.recordBytes));
  }
  return { records, labels: new Uint8Array(labels) };
}

function addRow(application, index, trueClass, outcome) {
  const completed = outcome.status === 'completed';
  demo.rows.push({ application: application.id, record: index, trueClass, outcome });

  const cells = [
    application.name,
    String(index),
    trueClass,
    completed ? outcome.label : `dropped (${outcome.reason})`,
    completed ? outcome.variantId : '',
    deadlineText(outcome),
  ];
  const tr = document.createElement('tr');
  for (const text of cells) tr.append(Object.assign(document.createElement('td'), { textContent: text }));
  answers.append(tr);
}

function deadlineText(outcome) {
  if (outcome.status !== 'completed') return '';
  return outcome.deadlineMet ? 'met' : 'missed';
}

function readPositiveInteger(name, fallback) {
  const text = query.get(name);
  if (text === null) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`Query parameter ${name}=${text} is invalid; pass a whole number ≥ 1.`);
  return value;
}

async function fetchOk(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`Fetching ${url} failed with HTTP ${response.status}; check that the models folder is served there with CORS headers.`);
  return response;
}
