import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configurationMarkdown } from '../scripts/config-docs.ts';
import { ConfigError, loadConfig } from './config.ts';

describe('configuration', () => {
  it('applies the documented defaults and generates a secret once into the data dir', () => {
    const dir = mkdtempSync(join(tmpdir(), 'momentum-config-'));
    const config = loadConfig({ MOMENTUM_DATA_DIR: dir });
    expect(config.port).toBe(3000);
    expect(config.host).toBe('127.0.0.1');
    expect(config.publicUrl).toBe('http://127.0.0.1:3000');
    expect(config.databaseUrl).toBeUndefined();
    expect(config.secret.length).toBeGreaterThanOrEqual(32);
    expect(loadConfig({ MOMENTUM_DATA_DIR: dir }).secret).toBe(config.secret);
  });

  it('refuses a MOMENTUM_DATA_DIR that is a file, naming it, instead of failing later with a stack trace', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'momentum-config-')), 'a-file');
    writeFileSync(file, 'not a folder');
    expect(() => loadConfig({ MOMENTUM_DATA_DIR: file })).toThrow(ConfigError);
    expect(() => loadConfig({ MOMENTUM_DATA_DIR: file })).toThrow(`MOMENTUM_DATA_DIR: ${file} cannot be used as a data dir`);
  });

  it('names every invalid variable', () => {
    expect(() => loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x' })).toThrow(/PORT[\s\S]*DATABASE_URL|DATABASE_URL[\s\S]*PORT/);
  });

  it('refuses PostgreSQL without MOMENTUM_SECRET: copies must share one, not generate one each', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://db:5432/momentum' })).toThrow(/MOMENTUM_SECRET: is required with DATABASE_URL/);
    expect(loadConfig({ DATABASE_URL: 'postgres://db:5432/momentum', MOMENTUM_SECRET: 's'.repeat(40) }).secret).toBe('s'.repeat(40));
  });

  it('logs readable lines for a terminal and JSON for collectors, as LOG_FORMAT says', () => {
    expect(loadConfig({ LOG_FORMAT: 'pretty', MOMENTUM_SECRET: 's'.repeat(40) }).logFormat).toBe('pretty');
    expect(loadConfig({ LOG_FORMAT: 'json', MOMENTUM_SECRET: 's'.repeat(40) }).logFormat).toBe('json');
    expect(() => loadConfig({ LOG_FORMAT: 'xml' })).toThrow(/LOG_FORMAT/);
  });

  it('keeps docs/configuration.md in step with the schema', () => {
    expect(readFileSync(new URL('../docs/configuration.md', import.meta.url), 'utf8')).toBe(configurationMarkdown());
  });
});
