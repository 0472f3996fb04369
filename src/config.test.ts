import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ConfigError, environmentVariables, loadConfig } from './config.ts';

test('defaults: port 8080, ./data, embedded, workers on', () => {
  const config = loadConfig({});
  assert.equal(config.port, 8080);
  assert.equal(config.dataDir, path.resolve('data'));
  assert.equal(config.databaseUrl, undefined);
  assert.equal(config.runWorkers, true);
  assert.equal(config.publicUrl, 'http://localhost:8080');
  assert.ok(Object.isFrozen(config));
});

test('variables override defaults and are converted', () => {
  const config = loadConfig({
    PORT: '9000',
    TESORO_DATA_DIR: '/tmp/x',
    DATABASE_URL: 'postgres://u@h/db',
    TESORO_WORKERS: 'false',
    TESORO_PUBLIC_URL: 'https://api.example.com/',
  });
  assert.equal(config.port, 9000);
  assert.equal(config.dataDir, '/tmp/x');
  assert.equal(config.databaseUrl, 'postgres://u@h/db');
  assert.equal(config.runWorkers, false);
  assert.equal(config.publicUrl, 'https://api.example.com');
});

test('every bad variable is named in one error', () => {
  assert.throws(
    () => loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud' }),
    (error: unknown) =>
      error instanceof ConfigError &&
      /PORT/.test(error.message) &&
      /DATABASE_URL/.test(error.message) &&
      /LOG_LEVEL/.test(error.message),
  );
});

test('the README configuration table lists every variable', () => {
  const readme = fs.readFileSync('README.md', 'utf8');
  for (const { name } of environmentVariables)
    assert.match(readme, new RegExp(`\\|\\s*\`${name}\`\\s*\\|`), name);
});
