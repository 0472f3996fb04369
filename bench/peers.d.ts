// The npm parsers the parse benchmark compares against ship no types.
declare module 'node-ofx-parser';
declare module 'mt940js';
