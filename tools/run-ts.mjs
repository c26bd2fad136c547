// @ts-check
/**
 * Runs one of the project's TypeScript tools after installing the npm packages it needs, so
 * `npm run bench` and the other tool commands work on a fresh clone: `npm ci` runs first when
 * node_modules is missing or older than the lock file. Usage: node tools/run-ts.mjs TOOL.ts [ARGS].
 */
import { spawnSync } from 'node:child_process';

import { ensureNpmPackages, root } from './ensure.mjs';

const [script, ...args] = process.argv.slice(2);
if (script === undefined) {
  console.error('tools/run-ts.mjs: missing the tool to run. Give its path, for example tools/bench.ts.');
  process.exit(2);
}
ensureNpmPackages();
const result = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], { cwd: root, stdio: 'inherit' });
if (result.error !== undefined) throw result.error;
process.exit(result.status ?? 1);
