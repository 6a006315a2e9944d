import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../../..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) ? [path] : [];
  });
}

const files = [...sourceFiles(join(root, 'src')), ...sourceFiles(join(root, 'web'))].map((path) => ({
  path: relative(root, path),
  text: readFileSync(path, 'utf8'),
}));

describe('the sending path has one entry', () => {
  it('only the dispatch file hands mail to nodemailer', () => {
    const importers = files.filter((f) => /^import\s+(?!type\b)[^;]*from\s+['"]nodemailer(\/[^'"]*)?['"]/m.test(f.text)).map((f) => f.path);
    expect(importers).toEqual(['src/modules/messaging/messaging.dispatch.ts']);
  });

  it('only enqueueMessages (which asks the consent gate) writes new rows to the outbox', () => {
    const writers = files.filter((f) => /insertInto\(\s*['"]messages['"]|insert\s+into\s+messages\b/i.test(f.text)).map((f) => f.path);
    expect(writers).toEqual(['src/modules/messaging/messaging.outbox.ts']);
    const outbox = files.find((f) => f.path === 'src/modules/messaging/messaging.outbox.ts')?.text ?? '';
    expect(outbox).toMatch(/await gate\(/);
  });

  it('no other code sends mail by another library or sendmail', () => {
    const others = files
      .filter((f) => f.path !== 'src/modules/messaging/messaging.dispatch.ts')
      .filter((f) => /from\s+['"](smtp-connection|emailjs|@sendgrid\/mail|postmark|mailgun\.js)['"]|sendmail/.test(f.text))
      .map((f) => f.path);
    expect(others).toEqual([]);
  });
});
