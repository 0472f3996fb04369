// What every parser's fixture tests check first (src/formats/<format>/parse.test.ts): a fixture
// read by its own parser, by format detection (parseStatementFile) and streamed in small pieces
// (cut anywhere: tags, fields, line ends) must give one and the same result.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { decodeStatementBytes } from './decode.ts';
import { parseStatementFile } from './index.ts';
import type { ParseResult, StatementFormat } from './statement.ts';
import { collector, type ParserFactory, withBalanceCheck, withValueChecks } from './stream.ts';

/** Reads the fixtures of the folder `base` (`new URL('./fixtures/', import.meta.url)`). */
export const fixtureReader = (base: URL) => (name: string) =>
  new Uint8Array(fs.readFileSync(new URL(name, base)));

export function parseEveryWay(
  bytes: Uint8Array,
  name: string,
  parser: {
    format: StatementFormat;
    parseText: (text: string) => ParseResult;
    create: ParserFactory;
    piece: number;
  },
): ParseResult {
  const { text } = decodeStatementBytes(bytes);
  const direct = parser.parseText(text);
  const detected = parseStatementFile(bytes);
  assert.equal(detected?.format, parser.format, `${name}: detected as ${parser.format}`);
  assert.deepEqual(detected.statements, direct.statements, `${name}: same statements both ways`);
  assert.deepEqual(detected.issues, direct.issues, `${name}: same issues both ways`);
  const { sink, result } = collector(parser.format);
  const streaming = parser.create(withValueChecks(withBalanceCheck(sink)));
  for (let i = 0; i < text.length; i += parser.piece) streaming.write(text.slice(i, i + parser.piece));
  streaming.close();
  assert.deepEqual(result, direct, `${name}: same result read in ${parser.piece}-character pieces`);
  return direct;
}
