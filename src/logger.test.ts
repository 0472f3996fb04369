import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger } from './logger.ts';

test('secrets are redacted wherever they sit in a log line', () => {
  let text = '';
  const sink = new Writable({
    write(chunk, _encoding, callback) {
      text += chunk;
      callback();
    },
  });
  const logger = createLogger('info', sink);
  logger.info({ client_secret: 'tsk_AAA', password: 'pass_BBB' }, 'top level');
  logger.info(
    { body: { credentials: { username: 'u', password: 'pass_CCC' }, client_secret: 'tsk_DDD' } },
    'nested',
  );
  logger.info({ req: { headers: { authorization: 'Bearer eyJEEE', cookie: 'sid=FFF' } } }, 'request');
  logger.info({ challenge: { answers: { otp: '123456' } } }, 'answer');
  for (const secret of ['tsk_AAA', 'pass_BBB', 'pass_CCC', 'tsk_DDD', 'eyJEEE', 'sid=FFF', '123456']) {
    assert.ok(!text.includes(secret), `${secret} leaked: ${text}`);
  }
  assert.equal(text.split('\n').filter(Boolean).length, 4);
  assert.match(text, /\[redacted\]/);
});

test('on a terminal the lines are readable text (pino-pretty), secrets still redacted', async () => {
  let text = '';
  const sink = new Writable({
    write(chunk, _encoding, callback) {
      text += chunk;
      callback();
    },
  });
  const logger = createLogger('info', sink, true);
  logger.info({ client_secret: 'tsk_PRETTY', refresh: 'ref_1' }, 'refresh started');
  logger.flush?.();
  await new Promise((resolve) => setImmediate(resolve));
  // biome-ignore lint/suspicious/noControlCharactersInRegex: colours are ANSI escapes
  const plain = text.replace(/\u001b\[[0-9;]*m/g, '');
  assert.match(plain, /INFO.*refresh started/);
  assert.match(plain, /refresh: "ref_1"/);
  assert.ok(!plain.includes('tsk_PRETTY'), plain);
  assert.throws(() => JSON.parse(plain.split('\n')[0]!), 'not a JSON line');
});
