/** Query parameters that the kiosk and the replay page share; each error names the parameter and the fix. */
import type { ProviderPreference } from '../protocol/messages.js';

/** Returns the `provider` parameter, `auto` when it is missing. */
export function providerFromQuery(query: URLSearchParams): ProviderPreference {
  const provider = query.get('provider') ?? 'auto';
  if (provider !== 'auto' && provider !== 'webgpu' && provider !== 'wasm') {
    throw new RangeError(`Query parameter provider="${provider}" is unknown; use "auto", "webgpu" or "wasm".`);
  }
  return provider;
}

/** Returns the `budget` parameter in bytes, or undefined when it is missing. */
export function budgetFromQuery(query: URLSearchParams): number | undefined {
  const text = query.get('budget');
  if (text === null) return undefined;
  const budget = Number(text);
  if (!(budget > 0)) throw new RangeError(`Query parameter budget=${text} must be a positive number of bytes.`);
  return budget;
}
