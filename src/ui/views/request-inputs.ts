/**
 * Facts about each shipped application's input that the manifest does not state: the input
 * editors that fit it, and the names of the weather readings. Applications not listed here get
 * test samples only.
 */

/** Ways to give the request view an input. */
export const InputMode = {
  Sample: 'sample',
  Draw: 'draw',
  Upload: 'upload',
  Readings: 'readings',
  Message: 'message',
} as const;
export type InputMode = (typeof InputMode)[keyof typeof InputMode];

export const INPUT_MODE_LABELS: Record<InputMode, string> = {
  sample: 'Test sample',
  draw: 'Draw',
  upload: 'Upload image',
  readings: 'Type readings',
  message: 'Paste message',
};

/** Input modes per application id; the first is the default. */
export function inputModes(application: string): InputMode[] {
  switch (application) {
    case 'product':
      return [InputMode.Sample, InputMode.Draw, InputMode.Upload];
    case 'weather':
      return [InputMode.Sample, InputMode.Readings];
    case 'spam':
      return [InputMode.Sample, InputMode.Message];
    default:
      return [InputMode.Sample];
  }
}

/**
 * The four readings of one weather day, in record order. The manifest states the layout only in
 * its preprocessing description: element `4·d + r` is reading `r` of the day `d` days earlier.
 * The data set gives wind without a unit the values support (see models/README.md), so none is shown.
 */
export const WEATHER_READINGS = ['Precipitation (mm)', 'Max temperature (°C)', 'Min temperature (°C)', 'Wind'] as const;

/** Returns the label of weather feature `index`, for example "Wind, 2 days earlier". */
export function weatherFeatureLabel(index: number): string {
  const day = Math.floor(index / WEATHER_READINGS.length);
  const reading = WEATHER_READINGS[index % WEATHER_READINGS.length]!;
  return `${reading}, ${weatherDayLabel(day)}`;
}

/** Returns "the day", "1 day earlier", "2 days earlier", ... */
export function weatherDayLabel(day: number): string {
  if (day === 0) return 'the day';
  return day === 1 ? '1 day earlier' : `${day} days earlier`;
}
