/**
 * The Content-Security-Policy. Every page carries it as a meta tag with the hashes of its inline
 * code, and worker scripts get it as a header. Full runs of the kiosk and the replay page, the
 * latter also with WASM threads, raise no violation in the page or in any of its workers.
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

/** A worker of the page and its name, read when Playwright attached to it. */
interface NamedWorker {
  worker: Worker;
  /** Undefined when the worker ended before its name was read. */
  name: Promise<string | undefined>;
}

/** Name onnxruntime-web gives the WASM thread workers it starts, as of 1.31.1. */
const THREAD_WORKER_NAME = 'em-pthread';

/**
 * Collects violations from the page and from every worker it starts: a listener in each scope
 * logs them to the console. A worker's listener is added as soon as Playwright attaches to the
 * worker, so a violation in the first statements of a worker script could go unseen. With
 * `cores`, each worker's `navigator.hardwareConcurrency` returns that number from then on, so
 * onnxruntime-web starts the WASM threads it would start on such a machine.
 */
async function collectViolations(page: Page, cores?: number): Promise<{ violations: Violation[]; workers: NamedWorker[] }> {
  const violations: Violation[] = [];
  const workers: NamedWorker[] = [];
  page.on('console', (message) => {
    if (message.text().startsWith(VIOLATION_PREFIX)) violations.push(JSON.parse(message.text().slice(VIOLATION_PREFIX.length)) as Violation);
  });
  // Playwright sends these functions to the browser as source text, so each is self-contained.
  await page.addInitScript((prefix) => {
    document.addEventListener('securitypolicyviolation', ({ effectiveDirective, blockedURI }) => {
      console.log(prefix + JSON.stringify({ scope: 'page', directive: effectiveDirective, blockedURI }));
    });
  }, VIOLATION_PREFIX);
  page.on('worker', (worker) => {
    const name = worker
      .evaluate(
        ({ prefix, cores }) => {
          const scope = (self as unknown as { name: string }).name;
          if (cores !== undefined) Object.defineProperty(WorkerNavigator.prototype, 'hardwareConcurrency', { get: () => cores });
          self.addEventListener('securitypolicyviolation', ({ effectiveDirective, blockedURI }) => {
            console.log(prefix + JSON.stringify({ scope, directive: effectiveDirective, blockedURI }));
          });
          return scope;
        },
        { prefix: VIOLATION_PREFIX, cores },
      )
      // A worker that ends before the listener is added has nothing left to report.
      .catch(() => undefined);
    workers.push({ worker, name });
  });
  return { violations, workers };
}

/**
 * Breaks the policy on purpose in the page and in each running worker, with a string passed to
 * `setTimeout` (an eval) and a fetch from another origin. A test can then check that the
 * listeners report and that the policy is enforced in every scope.
 */
async function breakPolicyOnPurpose(page: Page, workers: NamedWorker[]): Promise<string[]> {
  const attempt = async (url: string): Promise<string> => {
    setTimeout('globalThis.evalRan = true', 0);
    await fetch(url).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 100));
    return (globalThis as { evalRan?: boolean }).evalRan === true ? 'eval ran' : 'eval blocked';
  };
  const scopes = ['page'];
  expect(await page.evaluate(attempt, OTHER_ORIGIN_URL), 'eval in the page').toBe('eval blocked');
  for (const { worker, name: namePromise } of workers) {
    const name = await namePromise;
    // A thread worker runs onnxruntime-web's thread pool and may be blocked in Atomics.wait, so
    // it may never run `attempt`. It loads the same script as its parent worker, with the same header.
    if (name === undefined || name === THREAD_WORKER_NAME) continue;
    expect(await worker.evaluate(attempt, OTHER_ORIGIN_URL), `eval in worker "${name}"`).toBe('eval blocked');
    scopes.push(name);
  }
  return scopes;
}

/**
 * Checks that the only violations are the two made on purpose in each of `scopes`. The reports
 * reach the test as console messages after the scope has moved on, so it waits for them.
 */
async function expectOnlyPurposefulViolations(violations: Violation[], scopes: string[]): Promise<void> {
  const purposeful = (violation: Violation): boolean =>
    (violation.directive === 'script-src' && violation.blockedURI === 'eval') ||
    (violation.directive === 'connect-src' && violation.blockedURI === OTHER_ORIGIN_URL);
  for (const scope of scopes) {
    const reported = (): string[] => violations.filter((violation) => violation.scope === scope && purposeful(violation)).map((violation) => violation.directive).sort();
    await expect.poll(reported, { message: `violations made on purpose in ${scope}`, timeout: 10_000 }).toEqual(['connect-src', 'script-src']);
  }
  expect(violations.filter((violation) => !purposeful(violation)), 'violations during the run').toEqual([]);
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
  const { violations, workers } = await collectViolations(page);

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
  await expectOnlyPurposefulViolations(violations, scopes);
});

test('replay run raises no violation', async ({ page }) => {
  page.on('pageerror', (error) => console.log(`page error: ${error.message}`));
  const { violations, workers } = await collectViolations(page);

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
  await expectOnlyPurposefulViolations(violations, scopes);
});

test('threaded replay raises no violation', async ({ page }) => {
  page.on('pageerror', (error) => console.log(`page error: ${error.message}`));
  // onnxruntime-web 1.31.1 starts min(4, cores / 2) WASM threads, one on this two-core machine;
  // eight reported cores make it start four thread workers in each of the two workers.
  const { violations, workers } = await collectViolations(page, 8);

  await page.goto('./replay.html?autorun&workload=light&requests=100&provider=wasm');
  await page.waitForFunction(() => ['done', 'failed'].includes(window.sneakpeekReplay?.state ?? ''), undefined, {
    timeout: 4 * 60 * 1000,
    polling: 1000,
  });
  const published = await page.evaluate(() => window.sneakpeekReplay!);
  expect(published.error, 'replay error').toBeUndefined();
  expect(published.stats?.completed).toBe(100);
  const names = await Promise.all(workers.map((worker) => worker.name));
  expect(names.filter((name) => name === THREAD_WORKER_NAME).length, 'thread workers started').toBeGreaterThan(0);

  const scopes = await breakPolicyOnPurpose(page, workers);
  await expectOnlyPurposefulViolations(violations, scopes);
});
