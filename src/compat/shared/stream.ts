// The facades' answers: a value as JSON, or a JSON array written batch by batch as it is read.
import type { FastifyReply } from 'fastify';
import { sendJsonText } from '../../http/json-text.ts';

export { sendJsonStream } from '../../http/json-text.ts';

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

export const sendJson = (reply: FastifyReply, value: unknown, status = 200) =>
  sendJsonText(reply, JSON.stringify(value), status);
