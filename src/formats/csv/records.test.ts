// The fast record splitter against csv-parse: wherever it answers, it must answer what csv-parse
// answers, on hand-picked shapes and on random text made of the characters that matter.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readRows } from './layout.ts';
import { recordsOf, splitRecords } from './records.ts';

test('regular text: the same records as csv-parse, with the lines each spans', () => {
  const cases = [
    'a,b\n\nc,d\n',
    'a,b\r\nc,d',
    '\uFEFFa,b\n',
    '"a""b",c\n',
    '"a\r\nb",c\rd,e\n',
    'a,b,\n,\n',
    '"",""\n',
    '\n',
    '',
  ];
  for (const text of cases) {
    const split = splitRecords(text, ',', true);
    assert.ok(split, JSON.stringify(text));
    assert.deepEqual(split.rows, readRows(text, ','), JSON.stringify(text));
  }
  assert.deepEqual(splitRecords('"a\r\nb",c\rd,e\n', ',', true)?.lines, [2, 1]);
});

test('irregular quoting is left to csv-parse, which keeps the quotes as text', () => {
  for (const text of ['a"b,c\n', ' "b",c\n', '"a"x,c\n', '"open\n'])
    assert.equal(splitRecords(text, ',', true), null);
  assert.deepEqual(recordsOf('"a"x,c\nd,"e\nf"\n', ',', true), {
    rows: [
      ['"a"x', 'c'],
      ['d', 'e\nf'],
    ],
    lines: [1, 2],
    end: 15,
  });
});

test('random text: wherever the splitter answers, csv-parse answers the same', () => {
  // A small deterministic generator (xorshift) so a failure can be replayed.
  let state = 0x2f6b3a91;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x1_0000_0000;
  };
  const alphabet = ['a', 'b', ' ', ';', ',', '"', '""', '\n', '\r', '\r\n', '\t', 'é'];
  let answered = 0;
  for (let round = 0; round < 5000; round += 1) {
    let text = '';
    const size = Math.floor(next() * 30);
    for (let i = 0; i < size; i += 1) text += alphabet[Math.floor(next() * alphabet.length)];
    for (const delimiter of [',', ';', '\t']) {
      const split = splitRecords(text, delimiter, true);
      if (!split) continue;
      answered += 1;
      assert.deepEqual(split.rows, readRows(text, delimiter), JSON.stringify({ text, delimiter }));
      const cut = Math.floor(next() * (text.length + 1));
      const first = recordsOf(text.slice(0, cut), delimiter, false);
      const rest = recordsOf(text.slice(first.end), delimiter, true);
      assert.deepEqual([...first.rows, ...rest.rows], split.rows, JSON.stringify({ text, delimiter, cut }));
    }
  }
  // Most random texts have a stray quote; enough of them do not for the comparison to mean something.
  assert.ok(answered > 3000, `${answered} answered`);
});

test('cut anywhere, the whole records of the first piece and then of the rest are those of the whole', () => {
  const text = 'a;"b ""c"""\r\n"d\r\ne";f;\r\rg;h\n"";i\r\n';
  const whole = recordsOf(text, ';', true);
  for (let cut = 0; cut <= text.length; cut += 1) {
    const first = recordsOf(text.slice(0, cut), ';', false);
    const rest = recordsOf(text.slice(first.end), ';', true);
    assert.deepEqual([...first.rows, ...rest.rows], whole.rows, `cut at ${cut}`);
    assert.deepEqual([...first.lines, ...rest.lines], whole.lines, `cut at ${cut}`);
  }
});
