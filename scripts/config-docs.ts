// Generates docs/configuration.md from the zod schema in src/config.ts: `node scripts/config-docs.ts`.
import { writeFileSync } from 'node:fs';
import { configSchema } from '../src/config.ts';

export function configurationMarkdown(): string {
  const rows = Object.entries(configSchema.shape).map(([key, schema]) => {
    const json = schema.toJSONSchema({ io: 'input', unrepresentable: 'any' }) as { default?: unknown };
    const fallback = json.default === undefined ? 'unset' : `\`${String(json.default)}\``;
    return `| \`${key}\` | ${fallback} | ${(schema.description ?? '').replace(/\|/g, '\\|')} |`;
  });
  return [
    '# Configuration',
    '',
    'Momentum reads these environment variables (and nothing else). This page is generated from `src/config.ts`; run `node scripts/config-docs.ts` after changing it.',
    '',
    '| variable | default | meaning |',
    '| --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(new URL('../docs/configuration.md', import.meta.url), configurationMarkdown());
}
