#!/usr/bin/env node
// `npm run bench -- NAME [args]`: runs bench/NAME.ts with the same Node.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const [name, ...args] = process.argv.slice(2);
const dir = fileURLToPath(new URL('../bench/', import.meta.url));
const available = existsSync(dir)
  ? readdirSync(dir)
      .filter((f) => /^[a-z0-9-]+\.ts$/.test(f))
      .map((f) => f.replace(/\.ts$/, ''))
  : [];
if (!name || !/^[a-z0-9-]+$/.test(name) || !available.includes(name)) {
  console.error(`usage: npm run bench -- NAME [--scale small|full]\nbenchmarks: ${available.join(', ') || '(none)'}`);
  process.exit(2);
}
// Node 22.18+ strips TypeScript types natively; older 22.x releases use tsx's loader.
const loader = process.features.typescript ? [] : ['--import', 'tsx'];
const result = spawnSync(process.execPath, [...loader, `${dir}${name}.ts`, ...args], { stdio: 'inherit' });
process.exit(result.status ?? 1);
