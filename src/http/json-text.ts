// Answers whose JSON is already text: pages rendered by the database, facade records mapped one by
// one. Sent as they are (the route's schema documents the shape), and long ones as a stream of
// chunks of about 64 KB, so a stream is not one write per piece and memory stays flat.
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

/** Sends JSON text produced elsewhere as it is. */
export function sendJsonText(reply: FastifyReply, text: string, status = 200): FastifyReply {
  return reply
    .code(status)
    .type('application/json; charset=utf-8')
    .serializer((payload) => payload as string)
    .send(text);
}

/** Streams JSON text produced piece by piece. */
export function sendJsonStream(
  reply: FastifyReply,
  pieces: AsyncIterable<string>,
  status = 200,
): FastifyReply {
  return reply
    .code(status)
    .type('application/json; charset=utf-8')
    .send(Readable.from(inChunks(pieces)));
}
