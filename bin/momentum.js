#!/usr/bin/env node
// Node 22.18+ strips TypeScript types natively; older 22.x releases use tsx's loader.
if (!process.features.typescript) {
  const { register } = await import('tsx/esm/api');
  register();
}
await import('../src/main.ts');
