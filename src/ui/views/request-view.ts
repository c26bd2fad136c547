/**
 * `<sneakpeek-request-view>`: submit one request and see what the runtime did with it. Pick an
 * application and an input (a test sample of any application, a drawing or an uploaded image for
 * product recognition, typed readings for weather, a pasted message for spam) and a deadline.
 * The result shows the predicted label, the variant chosen, every variant's estimated accuracy for this
 * input, the SneakPeek model's class posterior, and the deadline met or missed, or why the
 * request was dropped.
 *
 * Figures are also written to `data-*` attributes (`data-status`, `data-variant`, `data-label`,
 * and one `data-key`/`data-value` pair per bar) so scripts read them as data.
 */
import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import type { Runtime } from '../../client/runtime.js';
import type { ApplicationInfo, Outcome } from '../../protocol/messages.js';
import { featurizeMail } from '../../core/featurize-text.js';
import { IMAGE_SIDE, rgbaToGrey, toModelPixels } from '../image-input.js';
import { loadTestSet, type TestSet } from '../test-set.js';
import { barList, barStyles, percent, type Bar } from './bars.js';
import { INPUT_MODE_LABELS, InputMode, inputModes, weatherDayLabel, weatherFeatureLabel, WEATHER_READINGS } from './request-inputs.js';
import './draw-pad.js';
import type { SneakPeekDrawPad } from './draw-pad.js';

/** Maximum edge, in pixels, of an uploaded image drawn before it is reduced to 28×28. */
const UPLOAD_MAX_SIDE = 280;

declare global {
  interface HTMLElementTagNameMap {
    'sneakpeek-request-view': SneakPeekRequestView;
  }
}

/** One submitted request and its outcome. */
interface RequestResult {
  outcome: Outcome;
  application: ApplicationInfo;
  /** Source of the input in words, for example "test sample #7". */
  source: string;
  /** True class index when the input was a test sample. */
  truth?: number;
  deadlineMs: number;
}

export class SneakPeekRequestView extends LitElement {
  static override properties = {
    runtime: { attribute: false },
    applicationId: { state: true },
    mode: { state: true },
    sampleIndex: { state: true },
    deadlineMs: { state: true },
    testSet: { state: true },
    readings: { state: true },
    subject: { state: true },
    body: { state: true },
    pixels: { state: true },
    result: { state: true },
    error: { state: true },
    busy: { state: true },
  };

  /** The runtime requests go to. Nothing can be submitted until it is set. */
  runtime: Runtime | undefined;
  private applicationId = '';
  private mode: InputMode = InputMode.Sample;
  private sampleIndex = 0;
  private deadlineMs = 0;
  private testSet: TestSet | undefined;
  private readings: number[] = [];
  /** Whether the readings were typed since the application was chosen; untouched ones follow the sample. */
  private readingsTouched = false;
  private subject = '';
  private body = '';
  /** The 28×28 input made from the drawing or the uploaded image. */
  private pixels: Uint8Array | undefined;
  private result: RequestResult | undefined;
  private error: string | undefined;
  private busy = false;
  private readonly testSets = new Map<string, Promise<TestSet>>();

  private get application(): ApplicationInfo | undefined {
    return this.runtime?.ready.applications.find((application) => application.id === this.applicationId);
  }

  override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('runtime') && this.runtime !== undefined && this.application === undefined) {
      const first = this.runtime.ready.applications[0];
      if (first !== undefined) this.selectApplication(first.id);
    }
  }

  override updated(): void {
    // Paint the 28×28 preview of the product model's input.
    const preview = this.renderRoot.querySelector<HTMLCanvasElement>('canvas.preview');
    const pixels = this.previewPixels();
    if (preview === null || pixels === undefined) return;
    const image = new ImageData(IMAGE_SIDE, IMAGE_SIDE);
    pixels.forEach((value: number, index: number) => image.data.set([value, value, value, 255], index * 4));
    preview.getContext('2d')!.putImageData(image, 0, 0);
  }

  /** Switches to another application: its default deadline, its first input mode, its test set. */
  private selectApplication(id: string): void {
    const application = this.runtime?.ready.applications.find((candidate) => candidate.id === id);
    if (application === undefined) return;
    this.applicationId = id;
    this.mode = inputModes(id)[0]!;
    this.deadlineMs = application.defaultDeadlineMs;
    this.result = undefined;
    this.error = undefined;
    this.pixels = undefined;
    this.testSet = undefined;
    this.readings = new Array<number>(application.inputShape.reduce((product, size) => product * size, 1)).fill(0);
    this.readingsTouched = false;
    void this.loadSamples(id);
  }

  private async loadSamples(id: string): Promise<void> {
    const manifestUrl = this.runtime!.ready.manifestUrl;
    if (!this.testSets.has(id)) this.testSets.set(id, loadTestSet(manifestUrl, id));
    try {
      const testSet = await this.testSets.get(id)!;
      if (this.applicationId !== id) return;
      this.testSet = testSet;
      this.pickSample(Math.min(this.sampleIndex, testSet.count - 1));
    } catch (error) {
      // Forget the failed load so that choosing the application again retries it.
      this.testSets.delete(id);
      this.error = `Test samples of "${id}" could not be loaded: ${message(error)}`;
    }
  }

  private pickSample(index: number): void {
    const testSet = this.testSet;
    if (testSet === undefined) return;
    if (!Number.isInteger(index) || index < 0 || index >= testSet.count) {
      // Say so rather than keep showing the previous sample under a number the field no longer shows.
      this.error = `Sample number ${index} does not exist; type a whole number from 0 to ${testSet.count - 1}. Still showing sample ${this.sampleIndex}.`;
      return;
    }
    this.error = undefined;
    this.sampleIndex = index;
  }

  private selectMode(mode: InputMode): void {
    this.mode = mode;
    this.error = undefined;
    this.pixels = undefined;
    // Typed readings start from the chosen sample's, unless some were typed already.
    if (mode === InputMode.Readings && !this.readingsTouched && this.testSet !== undefined) {
      this.readings = Array.from(this.testSet.record(this.sampleIndex));
    }
  }

  private previewPixels(): Uint8Array | Float32Array | undefined {
    if (this.applicationId !== 'product') return undefined;
    if (this.mode === InputMode.Sample) return this.testSet?.record(this.sampleIndex);
    return this.pixels;
  }

  /** Builds the request input for the current mode, or throws naming what is missing. */
  private input(): { input: Uint8Array | Float32Array; source: string; truth?: number } {
    switch (this.mode) {
      case InputMode.Sample: {
        const testSet = this.testSet;
        if (testSet === undefined) throw new Error('The test samples are still loading; try again in a moment.');
        return { input: testSet.record(this.sampleIndex), source: `test sample #${this.sampleIndex}`, truth: testSet.labels[this.sampleIndex]! };
      }
      case InputMode.Draw:
      case InputMode.Upload:
        if (this.pixels === undefined || this.pixels.every((value) => value === 0)) {
          throw new Error(this.mode === InputMode.Draw ? 'The drawing is empty; draw the product first.' : 'No image is loaded; choose an image file first.');
        }
        return { input: this.pixels, source: this.mode === InputMode.Draw ? 'your drawing' : 'your image' };
      case InputMode.Readings: {
        const wrong = this.readings.findIndex((value) => !Number.isFinite(value));
        if (wrong >= 0) throw new RangeError(`${weatherFeatureLabel(wrong)} is not a number; type a number such as 0 or 12.5.`);
        return { input: Float32Array.from(this.readings), source: 'your readings' };
      }
      case InputMode.Message:
        if (this.subject.trim() === '' && this.body.trim() === '') throw new Error('The message is empty; paste a subject or a body first.');
        return { input: featurizeMail(`Subject: ${this.subject}\n\n${this.body}`), source: 'your message' };
      default: {
        const unknown: never = this.mode;
        throw new TypeError(`Unknown input mode ${String(unknown)}`);
      }
    }
  }

  /** Submits the current input and shows its outcome. */
  async submit(): Promise<void> {
    const runtime = this.runtime;
    const application = this.application;
    if (runtime === undefined || application === undefined || this.busy) return;
    this.error = undefined;
    this.busy = true;
    try {
      const { input, source, truth } = this.input();
      if (!(this.deadlineMs > 0)) throw new RangeError(`Deadline ${this.deadlineMs} ms is not positive; type a number of milliseconds above 0.`);
      const outcome = await runtime.submit({ application: application.id, input, deadlineMs: this.deadlineMs });
      this.result = { outcome, application, source, deadlineMs: this.deadlineMs, ...(truth === undefined ? {} : { truth }) };
    } catch (error) {
      // The previous answer belongs to another input; leaving it under the error would mislead.
      this.result = undefined;
      this.error = message(error);
    } finally {
      this.busy = false;
    }
  }

  private async upload(event: Event): Promise<void> {
    const file = (event.target as HTMLInputElement).files?.[0];
    if (file === undefined) return;
    try {
      const bitmap = await createImageBitmap(file);
      const scale = Math.min(1, UPLOAD_MAX_SIDE / Math.max(bitmap.width, bitmap.height));
      const width = Math.max(1, Math.round(bitmap.width * scale));
      const height = Math.max(1, Math.round(bitmap.height * scale));
      const canvas = new OffscreenCanvas(width, height);
      const context = canvas.getContext('2d')!;
      context.drawImage(bitmap, 0, 0, width, height);
      bitmap.close();
      this.pixels = toModelPixels(rgbaToGrey(context.getImageData(0, 0, width, height).data, width, height));
      this.error = undefined;
    } catch (error) {
      this.pixels = undefined;
      this.error = `The file "${file.name}" could not be read as an image (${message(error)}); choose a PNG, JPEG or WebP file.`;
    }
  }

  private drawingChanged(): void {
    const pad = this.renderRoot.querySelector<SneakPeekDrawPad>('sneakpeek-draw-pad');
    if (pad === null) return;
    this.pixels = pad.empty ? undefined : toModelPixels(pad.greyImage(), false);
  }

  override render() {
    const runtime = this.runtime;
    const application = this.application;
    if (runtime === undefined || application === undefined) return html`<p role="status">Waiting for the runtime to start.</p>`;
    return html`
      <h2>Try a request</h2>
      <form
        @submit=${(event: Event) => {
          event.preventDefault();
          void this.submit();
        }}
      >
        ${this.renderChoice(
          'Application',
          'application',
          runtime.ready.applications.map((candidate) => ({ value: candidate.id, label: candidate.name })),
          this.applicationId,
          (id) => this.selectApplication(id),
        )}
        ${this.renderChoice(
          'Input',
          'mode',
          inputModes(application.id).map((mode) => ({ value: mode, label: INPUT_MODE_LABELS[mode] })),
          this.mode,
          (mode) => this.selectMode(mode as InputMode),
        )}
        <div class="input">${this.renderInput(application)}</div>
        <div class="submit-row">
          <label class="deadline"
            >Deadline (ms)
            <input
              type="number"
              min="1"
              step="1"
              inputmode="numeric"
              .value=${String(this.deadlineMs)}
              @change=${(event: Event) => (this.deadlineMs = Number((event.target as HTMLInputElement).value))}
            />
          </label>
          <button type="submit" ?disabled=${this.busy}>${this.busy ? 'Waiting for the answer…' : 'Classify'}</button>
        </div>
      </form>
      ${this.error === undefined ? nothing : html`<p class="error" role="alert">${this.error}</p>`} ${this.renderResult()}
    `;
  }

  /** Renders a group of radio buttons as a row of large buttons; arrow keys move within it. */
  private renderChoice(legend: string, name: string, options: { value: string; label: string }[], current: string, choose: (value: string) => void) {
    return html`<fieldset class="choice">
      <legend>${legend}</legend>
      ${options.map(
        (option) => html`<label class=${option.value === current ? 'checked' : ''}
          ><input type="radio" name=${name} .value=${option.value} .checked=${option.value === current} @change=${() => choose(option.value)} />${option.label}</label
        >`,
      )}
    </fieldset>`;
  }

  private renderInput(application: ApplicationInfo) {
    switch (this.mode) {
      case InputMode.Sample:
        return this.renderSample(application);
      case InputMode.Draw:
        return html`<div class="image-input">
          <div>
            <sneakpeek-draw-pad @drawing-change=${this.drawingChanged}></sneakpeek-draw-pad>
            <button
              type="button"
              class="secondary"
              @click=${() => this.renderRoot.querySelector<SneakPeekDrawPad>('sneakpeek-draw-pad')?.clear()}
            >
              Clear drawing
            </button>
          </div>
          ${this.renderPreview('What the model sees')}
        </div>`;
      case InputMode.Upload:
        return html`<div class="image-input">
          <label class="file"
            >Image file (a product photo on a plain background)
            <input type="file" accept="image/*" @change=${(event: Event) => void this.upload(event)} />
          </label>
          ${this.pixels === undefined ? nothing : this.renderPreview('What the model sees')}
        </div>`;
      case InputMode.Readings:
        return this.renderReadings();
      case InputMode.Message:
        return html`<label class="wide"
            >Subject
            <input type="text" .value=${this.subject} @input=${(event: Event) => (this.subject = (event.target as HTMLInputElement).value)} />
          </label>
          <label class="wide"
            >Message body
            <textarea rows="7" .value=${this.body} @input=${(event: Event) => (this.body = (event.target as HTMLTextAreaElement).value)}></textarea>
          </label>
          <p class="hint">The text is turned into token counts in this page; only the counts go to the runtime.</p>`;
      default:
        return nothing;
    }
  }

  private renderSample(application: ApplicationInfo) {
    const testSet = this.testSet;
    if (testSet === undefined) return html`<p role="status">Loading test samples of ${application.name}…</p>`;
    const truth = application.classes[testSet.labels[this.sampleIndex]!] ?? '?';
    return html`<div class="sample">
      <label
        >Sample number (0 to ${testSet.count - 1})
        <input
          type="number"
          min="0"
          max=${testSet.count - 1}
          step="1"
          .value=${String(this.sampleIndex)}
          @input=${(event: Event) => {
            // An empty field while typing keeps the current sample rather than jumping to 0.
            const text = (event.target as HTMLInputElement).value;
            if (text.trim() !== '') this.pickSample(Number(text));
          }}
        />
      </label>
      <button type="button" class="secondary" @click=${() => this.pickSample(Math.floor(Math.random() * testSet.count))}>Random sample</button>
      <p class="truth">True class: <strong data-truth=${truth}>${truth}</strong></p>
      ${application.id === 'product' ? this.renderPreview(`Test image #${this.sampleIndex}`) : nothing}
      ${application.id === 'weather' ? this.renderDaySummary(Array.from(testSet.record(this.sampleIndex))) : nothing}
      ${application.id === 'spam' ? html`<p class="hint">Test mails ship as token counts only, so their text cannot be shown.</p>` : nothing}
    </div>`;
  }

  private renderDaySummary(values: number[]) {
    return html`<p class="hint">The day: ${WEATHER_READINGS.map((name, index) => `${name} ${values[index]?.toFixed(1) ?? '?'}`).join(', ')}.</p>`;
  }

  private renderPreview(caption: string) {
    return html`<figure class="preview">
      <canvas class="preview" width=${IMAGE_SIDE} height=${IMAGE_SIDE} role="img" aria-label=${`${caption}: 28 by 28 grey pixels`}></canvas>
      <figcaption>${caption} (28×28)</figcaption>
    </figure>`;
  }

  private renderReadings() {
    const days = Math.ceil(this.readings.length / WEATHER_READINGS.length);
    return html`<table class="readings">
      <caption>
        Readings of the day and the days before it
      </caption>
      <thead>
        <tr>
          <th scope="col">Day</th>
          ${WEATHER_READINGS.map((name) => html`<th scope="col">${name}</th>`)}
        </tr>
      </thead>
      <tbody>
        ${Array.from(
          { length: days },
          (_, day) => html`<tr>
            <th scope="row">${weatherDayLabel(day)}</th>
            ${WEATHER_READINGS.map((_, reading) => {
              const index = day * WEATHER_READINGS.length + reading;
              return html`<td>
                <input
                  type="number"
                  step="any"
                  inputmode="decimal"
                  aria-label=${weatherFeatureLabel(index)}
                  .value=${String(Number((this.readings[index] ?? 0).toFixed(2)))}
                  @change=${(event: Event) => {
                    const readings = [...this.readings];
                    const text = (event.target as HTMLInputElement).value;
                    readings[index] = text.trim() === '' ? Number.NaN : Number(text);
                    this.readings = readings;
                    this.readingsTouched = true;
                  }}
                />
              </td>`;
            })}
          </tr>`,
        )}
      </tbody>
    </table>`;
  }

  private renderResult() {
    const result = this.result;
    if (result === undefined) return nothing;
    const { outcome, application } = result;
    if (outcome.status === 'dropped') {
      return html`<section class="result" aria-live="polite" data-status="dropped" data-reason=${outcome.reason}>
        <h3>Dropped: ${outcome.reason}</h3>
        <p>${outcome.detail}</p>
        <p>Deadline ${result.deadlineMs} ms; dropped after ${(outcome.droppedAt - outcome.arrival).toFixed(0)} ms.</p>
      </section>`;
    }

    const elapsed = outcome.finishedAt - outcome.arrival;
    const truth = result.truth === undefined ? undefined : application.classes[result.truth];
    const right = result.truth === undefined ? undefined : result.truth === outcome.classIndex;
    const estimates: Bar[] = application.variants
      .filter((variant) => outcome.estimates[variant] !== undefined)
      .map((variant) => ({
        key: variant,
        label: variant,
        value: outcome.estimates[variant]!,
        markers: variant === outcome.variantId ? ['chosen'] : [],
      }));
    const posterior: Bar[] = outcome.posterior.map((probability, index) => ({
      key: String(index),
      label: application.classes[index] ?? String(index),
      value: probability,
      markers: [...(index === outcome.classIndex ? ['answer'] : []), ...(index === result.truth ? ['true class'] : [])],
    }));
    return html`<section
      class="result"
      aria-live="polite"
      data-status="completed"
      data-variant=${outcome.variantId}
      data-label=${outcome.label}
      data-deadline-met=${String(outcome.deadlineMet)}
    >
      <p class="answer">Answer for ${result.source}: <strong>${outcome.label}</strong></p>
      ${truth === undefined ? nothing : html`<p>True class ${truth}: ${right ? '✓ right' : '✗ wrong'}</p>`}
      <p>
        Served by <strong>${outcome.variantId}</strong> in a batch of ${outcome.batchSize} on ${outcome.provider}, estimated accuracy
        ${percent(outcome.estimatedAccuracy)}.
      </p>
      <p class=${outcome.deadlineMet ? 'met' : 'missed'}>
        Deadline ${result.deadlineMs} ms, answered after ${elapsed.toFixed(0)} ms: ${outcome.deadlineMet ? '✓ met' : '✗ missed'}
      </p>
      ${barList('estimates', 'Estimated accuracy of each variant for this input', estimates)}
      ${barList('posterior', 'SneakPeek model, the quick first look behind the estimates: probability of each class', posterior)}
    </section>`;
  }

  static override styles = [
    barStyles,
    css`
      :host {
        display: block;
      }
      h2 {
        margin: 0 0 0.5rem;
        font-size: 1.3rem;
      }
      form {
        display: grid;
        gap: 0.6rem;
      }
      fieldset {
        border: 0;
        margin: 0;
        padding: 0;
      }
      legend {
        font-weight: 600;
        margin-bottom: 0.3rem;
      }
      .choice {
        display: flex;
        flex-wrap: wrap;
        gap: 0.4rem;
      }
      .choice legend {
        width: 100%;
      }
      .choice label {
        display: inline-flex;
        align-items: center;
        gap: 0.4rem;
        min-height: 44px;
        padding: 0 0.9rem;
        border: 2px solid #52606d;
        border-radius: 0.4rem;
        background: #fff;
        cursor: pointer;
      }
      .choice label.checked {
        border-color: #0b5cad;
        background: #e6f0fa;
        font-weight: 700;
      }
      .choice label:focus-within,
      button:focus-visible,
      input:focus-visible,
      textarea:focus-visible {
        outline: 3px solid #0b5cad;
        outline-offset: 2px;
      }
      .choice input {
        width: 1.1rem;
        height: 1.1rem;
        margin: 0;
      }
      label {
        display: grid;
        gap: 0.2rem;
      }
      input[type='number'],
      input[type='text'],
      textarea {
        font: inherit;
        min-height: 44px;
        box-sizing: border-box;
        padding: 0.3rem 0.5rem;
        border: 1px solid #52606d;
        border-radius: 0.3rem;
      }
      input[type='file'] {
        font: inherit;
        min-height: 44px;
      }
      textarea {
        width: 100%;
        resize: vertical;
      }
      .wide {
        width: 100%;
      }
      button {
        font: inherit;
        min-height: 44px;
        min-width: 44px;
        padding: 0 1.2rem;
        border: 2px solid #0b5cad;
        border-radius: 0.4rem;
        background: #0b5cad;
        color: #fff;
        font-weight: 600;
        cursor: pointer;
      }
      button.secondary {
        background: #fff;
        color: #0b5cad;
      }
      button:disabled {
        background: #52606d;
        border-color: #52606d;
        color: #fff;
      }
      .sample {
        display: flex;
        flex-wrap: wrap;
        align-items: end;
        gap: 0.6rem 1rem;
      }
      .sample .truth {
        margin: 0;
        align-self: center;
      }
      .image-input {
        display: flex;
        flex-wrap: wrap;
        gap: 1rem;
        align-items: start;
      }
      .image-input > div {
        display: grid;
        gap: 0.5rem;
        justify-items: start;
      }
      figure.preview {
        margin: 0;
      }
      canvas.preview {
        display: block;
        width: 112px;
        height: 112px;
        image-rendering: pixelated;
        border: 1px solid #52606d;
      }
      figure.preview figcaption {
        font-size: 0.85rem;
        color: #3b444e;
      }
      .readings {
        border-collapse: collapse;
        font-size: 0.9rem;
      }
      .readings caption {
        text-align: left;
        font-weight: 600;
        padding-bottom: 0.3rem;
      }
      .readings th,
      .readings td {
        padding: 0.15rem 0.3rem;
        text-align: left;
      }
      .readings input {
        width: 100%;
        min-width: 4rem;
        max-width: 6.5rem;
        box-sizing: border-box;
      }
      .submit-row {
        display: flex;
        flex-wrap: wrap;
        gap: 0.6rem 1rem;
        align-items: end;
      }
      .deadline input {
        width: 8rem;
      }
      .hint {
        font-size: 0.9rem;
        color: #3b444e;
        margin: 0;
      }
      .error {
        color: #a0111f;
        font-weight: 600;
      }
      .result {
        margin-top: 1rem;
        padding: 0.8rem 1rem;
        background: #fff;
        border: 1px solid #c4cbd3;
        border-radius: 0.5rem;
      }
      .result p {
        margin: 0.3rem 0;
      }
      .answer {
        font-size: 1.2rem;
      }
      .met {
        color: #11652f;
      }
      .missed {
        color: #a0111f;
      }
    `,
  ];
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

customElements.define('sneakpeek-request-view', SneakPeekRequestView);
