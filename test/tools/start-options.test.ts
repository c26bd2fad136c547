import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** Runs `npm start`'s script with the given options; option errors exit before installing or building anything. */
function start(...args: string[]) {
  const result = spawnSync(process.execPath, ['tools/start.mjs', ...args], { encoding: 'utf8', timeout: 30_000 });
  return { status: result.status, stderr: result.stderr };
}

describe('npm start options', () => {
  it.each([
    [['--workload', 'nope'], '--workload "nope" is unknown; use "default" or "light"'],
    [['--provider', 'cuda'], '--provider "cuda" is unknown; use "auto", "webgpu" or "wasm"'],
    [['--requests', '0'], '--requests 0 must be at least 1'],
    [['--requests', 'abc'], '--requests abc is not a whole number'],
    [['--budget', '0'], '--budget 0 must be a positive number of bytes'],
    [['--port', '99999'], '--port 99999 is not a port; use a number from 1 to 65535'],
    [['--bogus'], "Unknown option '--bogus'"],
  ])('rejects %j', (args, message) => {
    const { status, stderr } = start(...args);
    expect(status).toBe(2);
    expect(stderr).toContain(message);
    expect(stderr).toContain('see npm start -- --help');
  });

  it('prints help with every option', () => {
    const result = spawnSync(process.execPath, ['tools/start.mjs', '--help'], { encoding: 'utf8', timeout: 30_000 });
    expect(result.status).toBe(0);
    for (const option of ['--once', '--workload', '--requests', '--provider', '--budget', '--seed', '--port', '--skip-build']) {
      expect(result.stdout).toContain(option);
    }
  });
});
