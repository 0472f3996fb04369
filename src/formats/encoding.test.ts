import assert from 'node:assert/strict';
import { test } from 'node:test';
import { singleByteEncodingOf } from './encoding.ts';

/** Text → bytes in a single-byte encoding (the table read back from TextDecoder). */
function encode(text: string, encoding: string): Uint8Array {
  const decoder = new TextDecoder(encoding);
  const table = new Map<string, number>();
  for (let byte = 0; byte < 256; byte++) table.set(decoder.decode(Uint8Array.of(byte)), byte);
  return Uint8Array.from([...text].map((char) => table.get(char) ?? 0x3f));
}

test('Central-European words written in Windows-1250 are read as such', () => {
  for (const text of [
    'Převod z účtu; Platba kartou; Výběr z bankomatu; Poplatek za vedení účtu', // Czech
    'Opłata za prowadzenie rachunku; Przelew przychodzący; Wypłata z bankomatu', // Polish
    'Peňažný prevod na účet; Poplatok za vedenie účtu', // Slovak
  ])
    assert.equal(singleByteEncodingOf(encode(text, 'windows-1250')), 'windows-1250', text);
  // Words whose letters read as letters in both (č/è, ř/ø) carry no evidence: too little to leave
  // the Western default, which encoding= overrides.
  for (const text of ['účet', 'Převod'])
    assert.equal(singleByteEncodingOf(encode(text, 'windows-1250')), 'windows-1252', text);
});

test('Western words written in Windows-1252 stay Windows-1252', () => {
  for (const text of [
    'Cañas y tapas; Señor Muñoz; ¿Qué tal? Pequeña compañía', // Spanish
    'Crème brûlée; très cher; à la fenêtre; coût élevé', // French
    'Smørrebrød på år; Blåbær og æbler', // Danish and Norwegian
    'Informação; não são ações; Conceição', // Portuguese
    'Überweisung Müller; Straße; Gebühr für Änderung', // German (the same bytes in both)
    'plain ASCII only, no accents at all',
  ])
    assert.equal(singleByteEncodingOf(encode(text, 'windows-1252')), 'windows-1252', text);
});
