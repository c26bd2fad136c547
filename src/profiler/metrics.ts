/**
 * Accuracy metrics from a model's outputs on labelled records: confusion matrix, accuracy,
 * temperature scaling and expected calibration error. Outputs are rows of `classCount` values,
 * record after record.
 */

/** Index of the largest value of each row; the first one wins a tie, as in NumPy and PyTorch. */
export function argmaxRows(outputs: Float32Array, classCount: number): number[] {
  const predictions: number[] = [];
  for (let offset = 0; offset < outputs.length; offset += classCount) {
    let best = 0;
    for (let column = 1; column < classCount; column += 1) {
      if ((outputs[offset + column] ?? -Infinity) > (outputs[offset + best] ?? -Infinity)) best = column;
    }
    predictions.push(best);
  }
  return predictions;
}

/** Confusion matrix `[trueClass][predictedClass]` of counts. */
export function confusionMatrix(labels: readonly number[], predictions: readonly number[], classCount: number): number[][] {
  const matrix = Array.from({ length: classCount }, () => new Array<number>(classCount).fill(0));
  labels.forEach((label, index) => {
    const row = matrix[label];
    const predicted = predictions[index] ?? 0;
    if (row !== undefined) row[predicted] = (row[predicted] ?? 0) + 1;
  });
  return matrix;
}

export function accuracyOf(matrix: readonly (readonly number[])[]): number {
  let correct = 0;
  let total = 0;
  matrix.forEach((row, index) => {
    correct += row[index] ?? 0;
    total += row.reduce((sum, count) => sum + count, 0);
  });
  return total === 0 ? 0 : correct / total;
}

/** Softmax of each row of `logits / temperature`, in float64. */
export function softmaxRows(logits: Float32Array, classCount: number, temperature = 1): Float64Array {
  const out = new Float64Array(logits.length);
  for (let offset = 0; offset < logits.length; offset += classCount) {
    let max = -Infinity;
    for (let column = 0; column < classCount; column += 1) max = Math.max(max, (logits[offset + column] ?? 0) / temperature);
    let sum = 0;
    for (let column = 0; column < classCount; column += 1) {
      const value = Math.exp((logits[offset + column] ?? 0) / temperature - max);
      out[offset + column] = value;
      sum += value;
    }
    for (let column = 0; column < classCount; column += 1) out[offset + column] = (out[offset + column] ?? 0) / sum;
  }
  return out;
}

/** Mean negative log-likelihood of the labels under softmax(logits / temperature). */
export function negativeLogLikelihood(logits: Float32Array, labels: readonly number[], classCount: number, temperature: number): number {
  let total = 0;
  labels.forEach((label, record) => {
    const offset = record * classCount;
    let max = -Infinity;
    for (let column = 0; column < classCount; column += 1) max = Math.max(max, (logits[offset + column] ?? 0) / temperature);
    let sum = 0;
    for (let column = 0; column < classCount; column += 1) sum += Math.exp((logits[offset + column] ?? 0) / temperature - max);
    total += max + Math.log(sum) - (logits[offset + label] ?? 0) / temperature;
  });
  return total / labels.length;
}

/** Search range of log T: T from about 0.0067 to 148. */
const LOG_TEMPERATURE_RANGE = [-5, 5] as const;
const GOLDEN_SECTION_STEPS = 120;

/**
 * Fits the temperature T that minimises the NLL of softmax(logits / T) by golden-section search
 * over log T. The NLL is convex in 1 / T, so it has one minimum along log T and the search finds
 * it to within about 1e-20 in log T after 120 steps.
 */
export function fitTemperature(logits: Float32Array, labels: readonly number[], classCount: number): number {
  const loss = (logTemperature: number): number => negativeLogLikelihood(logits, labels, classCount, Math.exp(logTemperature));
  const ratio = (Math.sqrt(5) - 1) / 2;
  let [low, high] = LOG_TEMPERATURE_RANGE as readonly [number, number];
  let left = high - ratio * (high - low);
  let right = low + ratio * (high - low);
  let leftLoss = loss(left);
  let rightLoss = loss(right);
  for (let step = 0; step < GOLDEN_SECTION_STEPS; step += 1) {
    if (leftLoss <= rightLoss) {
      high = right;
      right = left;
      rightLoss = leftLoss;
      left = high - ratio * (high - low);
      leftLoss = loss(left);
    } else {
      low = left;
      left = right;
      leftLoss = rightLoss;
      right = low + ratio * (high - low);
      rightLoss = loss(right);
    }
  }
  return Math.exp((low + high) / 2);
}

/**
 * Expected calibration error of the top-class confidence: confidences fall into `bins`
 * equal-width bins (lower, upper] over [0, 1], and the error is the record-weighted mean of
 * |accuracy − mean confidence| over non-empty bins.
 */
export function expectedCalibrationError(probabilities: Float64Array, labels: readonly number[], classCount: number, bins = 15): number {
  const counts = new Array<number>(bins).fill(0);
  const correct = new Array<number>(bins).fill(0);
  const confidence = new Array<number>(bins).fill(0);
  labels.forEach((label, record) => {
    const offset = record * classCount;
    let best = 0;
    for (let column = 1; column < classCount; column += 1) {
      if ((probabilities[offset + column] ?? 0) > (probabilities[offset + best] ?? 0)) best = column;
    }
    const top = probabilities[offset + best] ?? 0;
    // Bin b covers (b / bins, (b + 1) / bins]; a confidence of exactly 0 falls in no bin.
    if (top <= 0) return;
    const bin = Math.min(bins - 1, Math.ceil(top * bins) - 1);
    counts[bin] = (counts[bin] ?? 0) + 1;
    correct[bin] = (correct[bin] ?? 0) + (best === label ? 1 : 0);
    confidence[bin] = (confidence[bin] ?? 0) + top;
  });

  let error = 0;
  counts.forEach((count, bin) => {
    if (count === 0) return;
    error += (Math.abs((correct[bin] ?? 0) / count - (confidence[bin] ?? 0) / count) * count) / labels.length;
  });
  return error;
}

/**
 * Whether every row looks like a probability distribution: values in [0, 1] that sum to 1 within
 * `tolerance`. Logits almost never pass this, so it separates the two output kinds.
 */
export function rowsAreProbabilities(outputs: Float32Array, classCount: number, tolerance = 1e-3): boolean {
  for (let offset = 0; offset < outputs.length; offset += classCount) {
    let sum = 0;
    for (let column = 0; column < classCount; column += 1) {
      const value = outputs[offset + column] ?? 0;
      if (value < 0 || value > 1) return false;
      sum += value;
    }
    if (Math.abs(sum - 1) > tolerance) return false;
  }
  return true;
}
