#!/usr/bin/env node
// Builds the console (web/ -> dist/web/) with Vite. `--if-stale` skips the build when
// dist/web/index.html is newer than every source it is made from, so `npm start` and
// `npm test` stay fast after the first run.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const output = join(root, 'dist', 'web', 'index.html');
// Besides its own sources, the console imports the server's shared files (the *.schema.ts shapes and a few pure
// helpers such as models.words.ts): every file under src/ reached by imports from web/, followed through their imports.
const importPattern = /from\s+'(\.{1,2}\/[^']+\.tsx?)'/g;

function filesUnder(path) {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path).flatMap((entry) => filesUnder(join(path, entry)));
}

function sharedSources() {
  const src = join(root, 'src');
  const found = new Set();
  const queue = filesUnder(join(root, 'web')).filter((f) => /\.tsx?$/.test(f));
  while (queue.length > 0) {
    const file = queue.pop();
    for (const [, spec] of readFileSync(file, 'utf8').matchAll(importPattern)) {
      const target = resolve(dirname(file), spec);
      if (!target.startsWith(src) || found.has(target) || !existsSync(target)) continue;
      found.add(target);
      queue.push(target);
    }
  }
  return [...found];
}

const sources = [join(root, 'web'), join(root, 'vite.config.ts'), ...sharedSources()];

/** The newest modification time (ms) of a file, or of any file under a directory. */
function newest(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let max = stat.mtimeMs;
  for (const entry of readdirSync(path)) max = Math.max(max, newest(join(path, entry)));
  return max;
}

/** Whether dist/web is missing or older than its sources. */
export function isStale() {
  if (!existsSync(output)) return true;
  const built = statSync(output).mtimeMs;
  return sources.some((source) => newest(source) > built);
}

/** Runs `vite build` through Vite's JS API; with ifStale, only when the output is out of date. Returns the line it printed. */
export async function buildWeb({ ifStale = false } = {}) {
  if (ifStale && !isStale()) {
    const line = 'web: dist/web is up to date';
    console.log(line);
    return line;
  }
  const started = Date.now();
  const { build } = await import('vite');
  await build({ configFile: join(root, 'vite.config.ts'), logLevel: 'warn' });
  const line = `web: built dist/web in ${((Date.now() - started) / 1000).toFixed(1)}s`;
  console.log(line);
  return line;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    await buildWeb({ ifStale: process.argv.includes('--if-stale') });
  } catch (error) {
    console.error(`web: build failed: ${error instanceof Error ? error.message : error}`);
    process.exitCode = 1;
  }
}
