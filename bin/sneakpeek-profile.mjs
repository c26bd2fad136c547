#!/usr/bin/env node
// The npx entry of `npm run profile`: runs tools/profile.ts through tsx in the caller's working
// directory and exits with its status. `sneakpeek-profile --help` lists the options.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const script = join(dirname(fileURLToPath(import.meta.url)), '..', 'tools', 'profile.ts');
const tsx = import.meta.resolve('tsx');
const result = spawnSync(process.execPath, ['--import', tsx, script, ...process.argv.slice(2)], { stdio: 'inherit' });
if (result.error !== undefined) {
  console.error(`sneakpeek-profile: could not start Node with tsx (${result.error.message}); run npm ci in the repository first.`);
  process.exit(1);
}
process.exit(result.status ?? 1);
