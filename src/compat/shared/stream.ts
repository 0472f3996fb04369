// Long answers written as they are read: pieces of JSON text joined into chunks of about 64 KB,
// so a stream is not one write per record and memory stays flat in the answer's size.
import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';

async function* inChunks(pieces: AsyncIterable<string>): AsyncGenerator<string> {
  let chunk = '';
  for await (const piece of pieces) {
    chunk += piece;
    if (chunk.length >= 65_536) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

/** A JSON array of every item of every batch. */
export async function* jsonArray(batches: AsyncIterable<readonly unknown[]>): AsyncGenerator<string> {
  yield '[';
  let first = true;
  for await (const batch of batches)
    for (const item of batch) {
      yield `${first ? '' : ','}${JSON.stringify(item)}`;
      first = false;
    }
  yield ']';
}

export function sendJsonStream(reply: FastifyReply, pieces: AsyncIterable<string>, status = 200) {
  return reply
    .code(status)
    .type('application/json; charset=utf-8')
    .send(Readable.from(inChunks(pieces)));
}

export function sendJson(reply: FastifyReply, value: unknown, status = 200) {
  return reply
    .code(status)
    .type('application/json; charset=utf-8')
    .serializer((payload) => payload as string)
    .send(JSON.stringify(value));
}
