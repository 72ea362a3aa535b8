import type * as http from 'node:http';

/** The whole body of a request to one of the local run's HTTP stand-ins. */
export async function readRequestBody(request: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
