/**
 * The Content-Security-Policy. Every page carries it as a meta tag with the hashes of its inline
 * code, and worker scripts get it as a header. Full runs of the kiosk and the replay page raise
 * no violation in the page or in any of its workers.
 */
import { createHash } from 'node:crypto';
import { expect, test, type Page, type Worker } from '@playwright/test';
import { formatPolicy } from '../../src/pwa/csp.js';

/** Every page the build emits, relative to the app's root. */
const PAGES = ['./', './replay.html', './bench/runtime.html'];

/** A `securitypolicyviolation` event as the page or a worker reports it. */
interface Violation {
  /** `'page'`, or the worker's name. */
  scope: string;
  directive: string;
  blockedURI: string;
}

const VIOLATION_PREFIX = 'securitypolicyviolation ';

/** A cross-origin URL on this machine; the policy blocks a fetch of it before any connection. */
const OTHER_ORIGIN_URL = 'http://127.0.0.1:9/';

function hashSource(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/** The policy a page should carry: the base policy plus the hashes of its own inline code. */
function expectedPolicy(html: string): string {
  const scripts = [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/gi)].map((match) => hashSource(match[1]!));
  const styles = [...html.matchAll(/<style[^>]*>([\s\S]*?)<\/style>/gi)].map((match) => hashSource(match[1]!));
  return formatPolicy({ scripts, styles });
}

/**
 * Collects violations from the page and from every worker it starts: a listener in each scope
 * logs them to the console. A worker's listener is added as soon as Playwright attaches to the worker,
 * so a violation in the first statements of a worker script could go unseen.
 */
function collectViolations(page: Page): { violations: Violation[]; workers: Worker[] } {
  const violations: Violation[] = [];
  const workers: Worker[] = [];
  page.on('console', (message) => {
    if (message.text().startsWith(VIOLATION_PREFIX)) violations.push(JSON.parse(message.text().slice(VIOLATION_PREFIX.length)) as Violation);
  });
  const listen = (prefix: string): void => {
    const scope = typeof document === 'undefined' ? (self as unknown as { name: string }).name : 'page';
    const target = typeof document === 'undefined' ? self : document;
    target.addEventListener('securitypolicyviolation', (event) => {
      const { effectiveDirective, blockedURI } = event as SecurityPolicyViolationEvent;
      console.log(prefix + JSON.stringify({ scope, directive: effectiveDirective, blockedURI }));
    });
  };
  void page.addInitScript(listen, VIOLATION_PREFIX);
  page.on('worker', (worker) => {
    workers.push(worker);
    // A worker that ends before the listener is added has nothing left to report.
    worker.evaluate(listen, VIOLATION_PREFIX).catch(() => undefined);
  });
  return { violations, workers };
}

/**
 * Breaks the policy on purpose in the page and in each running worker, with a string passed to
 * `setTimeout` (an eval) and a fetch from another origin, so a test can check that the
 * listeners report and that the policy is enforced in every scope.
 */
async function breakPolicyOnPurpose(page: Page, workers: Worker[]): Promise<string[]> {
  const attempt = async (url: string): Promise<string> => {
    setTimeout('globalThis.evalRan = true', 0);
    await fetch(url).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 100));
    return (globalThis as { evalRan?: boolean }).evalRan === true ? 'eval ran' : 'eval blocked';
  };
  const scopes = ['page'];
  expect(await page.evaluate(attempt, OTHER_ORIGIN_URL), 'eval in the page').toBe('eval blocked');
  for (const worker of workers) {
    const name = await worker.evaluate(() => (self as unknown as { name: string }).name).catch(() => undefined);
    if (name === undefined) continue; // The worker has ended.
    expect(await worker.evaluate(attempt, OTHER_ORIGIN_URL), `eval in worker "${name}"`).toBe('eval blocked');
    scopes.push(name);
  }
  return scopes;
}

/** Checks that the only violations are the two made on purpose in each of `scopes`. */
function expectOnlyPurposefulViolations(violations: Violation[], scopes: string[]): void {
  const purposeful = (violation: Violation): boolean =>
    (violation.directive === 'script-src' && violation.blockedURI === 'eval') ||
    (violation.directive === 'connect-src' && violation.blockedURI === OTHER_ORIGIN_URL);
  expect(violations.filter((violation) => !purposeful(violation)), 'violations during the run').toEqual([]);
  for (const scope of scopes) {
    const reported = violations.filter((violation) => violation.scope === scope && purposeful(violation)).map((violation) => violation.directive);
    expect(reported.sort(), `violations made on purpose in ${scope}`).toEqual(['connect-src', 'script-src']);
  }
}

test('every page carries the policy', async ({ request }) => {
  for (const path of PAGES) {
    const response = await request.get(path);
    expect(response.status(), path).toBe(200);
    const html = await response.text();

    const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(html);
    expect(meta, `CSP meta tag of ${path}`).not.toBeNull();
    const policy = meta![1]!;
    expect(policy, path).toBe(expectedPolicy(html));
    expect(policy, path).not.toContain("'unsafe-eval'");
    expect(policy, path).not.toContain("'unsafe-inline'");
    expect(policy, path).toContain("'wasm-unsafe-eval'");

    // The tag applies only to what follows it, so it must come before every script and style.
    const firstLoad = html.search(/<script|<style|<link rel="(stylesheet|modulepreload)"/);
    expect(meta!.index, `CSP meta tag before the first script or style of ${path}`).toBeLessThan(firstLoad);

    // A page's own script, as every worker script, gets the policy as a header.
    const script = /<script type="module"[^>]* src="([^"]+)"/.exec(html);
    expect(script, `module script of ${path}`).not.toBeNull();
    const scriptResponse = await request.get(new URL(script![1]!, new URL(path, 'http://app.invalid/')).pathname.slice(1));
    expect(scriptResponse.headers()['content-security-policy'], `header of ${script![1]}`).toBe(formatPolicy());
  }
});

test('kiosk run raises no violation', async ({ page }) => {
  page.on('pageerror', (error) => console.log(`page error: ${error.message}`));
  const { violations, workers } = collectViolations(page);

  await page.goto('./?provider=wasm&load=300');
  await page.waitForFunction(() => ['done', 'failed'].includes(window.sneakpeekKiosk?.load?.state ?? window.sneakpeekKiosk?.state ?? ''), undefined, {
    timeout: 4 * 60 * 1000,
    polling: 1000,
  });
  const published = await page.evaluate(() => ({ error: window.sneakpeekKiosk?.error, load: window.sneakpeekKiosk?.load }));
  expect(published.error, 'kiosk start-up error').toBeUndefined();
  expect(published.load?.error, 'sample load error').toBeUndefined();
  expect(published.load?.report?.summary.requests).toBe(300);

  const scopes = await breakPolicyOnPurpose(page, workers);
  expect(scopes, 'scopes checked').toEqual(expect.arrayContaining(['page', 'scheduler', 'inference-1']));
  expectOnlyPurposefulViolations(violations, scopes);
});

test('replay run raises no violation', async ({ page }) => {
  page.on('pageerror', (error) => console.log(`page error: ${error.message}`));
  const { violations, workers } = collectViolations(page);

  await page.goto('./replay.html?autorun&workload=default&requests=300&provider=wasm');
  await page.waitForFunction(() => ['done', 'failed'].includes(window.sneakpeekReplay?.state ?? ''), undefined, {
    timeout: 4 * 60 * 1000,
    polling: 1000,
  });
  const published = await page.evaluate(() => window.sneakpeekReplay!);
  expect(published.error, 'replay error').toBeUndefined();
  expect(published.stats?.accepted).toBe(300);

  const scopes = await breakPolicyOnPurpose(page, workers);
  expect(scopes, 'scopes checked').toEqual(expect.arrayContaining(['page', 'scheduler', 'inference-1']));
  expectOnlyPurposefulViolations(violations, scopes);
});
