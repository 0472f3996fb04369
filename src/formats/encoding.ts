// Which single-byte encoding a statement that is not UTF-8 is written in: Windows-1252 (Western
// Europe: Spanish Norma 43, most bank CSVs) or Windows-1250 (Central Europe: Czech, Slovak, Polish,
// Hungarian, Slovenian, Croatian banks). The two agree on ASCII and on many accented letters (á é
// í ó ú ä ö ü ß š ž); they differ on the bytes of EVIDENCE. Each such byte met inside a word
// (between ASCII letters) counts for the encoding in which it is a likely letter: "Převod" read
// as 1252 is "Pøevod", plausible Danish, but ě ů ň ť ł ą come out as ì ù ò, control characters or
// symbols (³ ¹ £) in 1252. A Spanish ñ, a Portuguese ã or a Nordic å count for 1252.

export const SINGLE_BYTE_ENCODINGS = ['windows-1252', 'windows-1250'] as const;
export type SingleByteEncoding = (typeof SINGLE_BYTE_ENCODINGS)[number];

/** The encodings a caller may name (the `encoding=` option of an import). */
export const NAMED_ENCODINGS = [
  'utf-8',
  'utf-16le',
  'utf-16be',
  'windows-1252',
  'windows-1250',
  'iso-8859-1',
  'iso-8859-2',
] as const;
export type NamedEncoding = (typeof NAMED_ENCODINGS)[number];

/**
 * What each byte that the two encodings read differently says when met in the middle of a word:
 * positive for Windows-1250 (its letter is common there, the Windows-1252 reading is a symbol, a
 * control character or a letter rarely found inside a word), negative for Windows-1252, zero when
 * both readings are ordinary letters (č/è, ř/ø, ę/ê, ć/æ, ő/õ, ű/û: no evidence either way).
 */
const EVIDENCE: Record<number, number> = {
  236: 0.8, // ě | ì
  204: 0.9, // Ě | Ì
  249: 0.8, // ů | ù
  217: 0.9, // Ů | Ù
  242: 0.8, // ň | ò
  210: 0.9, // Ň | Ò
  239: 0.7, // ď | ï
  207: 0.9, // Ď | Ï
  157: 1, // ť | (none)
  141: 1, // Ť | (none)
  179: 1, // ł | ³
  163: 1, // Ł | £
  185: 1, // ą | ¹
  165: 1, // Ą | ¥
  159: 1, // ź | Ÿ
  143: 1, // Ź | (none)
  191: 1, // ż | ¿ (never inside a word)
  175: 1, // Ż | ¯
  186: 1, // ş | º
  190: 1, // ľ | ¾
  156: 0.5, // ś | œ
  140: 0.5, // Ś | Œ
  200: 0.5, // Č | È
  216: 0.5, // Ř | Ø
  254: 0.5, // ţ | þ
  241: -0.5, // ń | ñ (Spanish: very common)
  227: -0.5, // ă | ã (Portuguese: very common)
  229: -0.7, // ĺ | å (Nordic: common)
};

/** How much evidence makes a file Windows-1250: about one decisive letter, net. */
const CENTRAL_FROM = 0.8;

const isAsciiLetter = (byte: number | undefined) =>
  byte !== undefined && ((byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a));

/** The likelier single-byte encoding of these bytes (a file's first 64 KB, say). */
export function singleByteEncodingOf(bytes: Uint8Array): SingleByteEncoding {
  let evidence = 0;
  for (let i = 1; i < bytes.length - 1; i++) {
    const byte = bytes[i]!;
    if (byte < 0x80) continue;
    const weight = EVIDENCE[byte];
    // Inside a word only: "¿Qué", "£12" and a letter alone say nothing.
    if (weight !== undefined && isAsciiLetter(bytes[i - 1]) && isAsciiLetter(bytes[i + 1]))
      evidence += weight;
  }
  return evidence >= CENTRAL_FROM ? 'windows-1250' : 'windows-1252';
}
