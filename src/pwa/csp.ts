/**
 * The Content-Security-Policy of every page and worker script of the app. The build writes it into
 * each page as a `<meta http-equiv>` tag with the hashes of that page's inline scripts and
 * styles, and the preview server sends it as a header on every other response, because a
 * dedicated worker takes its policy from the response that delivered its script and not from
 * the page. Pure data and string work, so the build (Node) and the tests share it.
 */

/** A directive name mapped to its sources, in the order they are written. */
export type PolicyDirectives = Readonly<Record<string, readonly string[]>>;

/**
 * The policy without per-page hashes:
 * - `default-src 'self'`: every fetch, worker, image, font and manifest comes from the app's own
 *   origin unless a directive below says otherwise, so nothing is loaded from another origin.
 * - `script-src 'self' 'wasm-unsafe-eval'`: onnxruntime-web compiles its `.wasm` with
 *   `WebAssembly.instantiate`, which needs `'wasm-unsafe-eval'`; `eval` and `new Function`
 *   stay blocked because `'unsafe-eval'` is absent.
 * - `style-src 'self'`: stylesheets from the app only. Lit's `adoptedStyleSheets` are not style
 *   elements, so this directive does not apply to them.
 * - `object-src 'none'`: no plugins.
 * - `base-uri 'self'`: an injected `<base>` cannot move relative URLs to another origin.
 * - `form-action 'self'`: forms submit only to the app.
 */
export const BASE_POLICY: PolicyDirectives = Object.freeze({
  'default-src': ["'self'"],
  'script-src': ["'self'", "'wasm-unsafe-eval'"],
  'style-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'self'"],
});

/** Hash sources of one page's inline `<script>` and `<style>` contents, `'sha256-…'` each. */
export interface InlineHashes {
  scripts: readonly string[];
  styles: readonly string[];
}

/** Formats the policy as a header or meta value, with `hashes` added to script-src and style-src. */
export function formatPolicy(hashes: InlineHashes = { scripts: [], styles: [] }, directives: PolicyDirectives = BASE_POLICY): string {
  const extra: Record<string, readonly string[]> = { 'script-src': hashes.scripts, 'style-src': hashes.styles };
  return Object.entries(directives)
    .map(([name, sources]) => [name, ...sources, ...(extra[name] ?? [])].join(' '))
    .join('; ');
}
