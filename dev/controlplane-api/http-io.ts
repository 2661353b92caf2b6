// Reading requests and writing answers on node:http, and the faults that replace an answer.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiAnswer } from './answers';
import { failure } from './answers';
import type { FaultRule } from './faults';

const MAX_BODY_BYTES = 1 << 20;

export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
}

/** The request body as UTF-8 text, at most 1 MiB. */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLargeError('request body above 1 MiB'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function send(res: ServerResponse, answer: ApiAnswer): void {
  if (res.destroyed || res.headersSent) return;
  const text = answer.body === undefined ? '' : JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    ...(answer.body === undefined ? {} : { 'Content-Type': 'application/json' }),
    'Content-Length': Buffer.byteLength(text),
    ...answer.headers,
  });
  res.end(text);
}

/** Plays a fault on the response; returns the counter label. A hung response is left open. */
export function playFault(fault: FaultRule, res: ServerResponse): string {
  switch (fault.kind) {
    case 'status500':
      send(res, failure(500, 'InjectedFault', 'development API fault: 500'));
      break;
    case 'status503':
      send(res, failure(503, 'Unavailable', 'development API fault: 503', undefined, { 'Retry-After': String(fault.retryAfterSeconds) }));
      break;
    case 'status429':
      send(res, failure(429, 'TooManyRequests', 'development API fault: 429', undefined, { 'Retry-After': String(fault.retryAfterSeconds) }));
      break;
    case 'status401':
      send(res, failure(401, 'Unauthorized', 'development API fault: 401'));
      break;
    case 'malformedJson':
      if (!res.destroyed) {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end('{"instanceId": "li-');
      }
      break;
    case 'reset':
      res.socket?.resetAndDestroy();
      break;
    case 'hang':
      break;
  }
  return `fault ${fault.kind} ${fault.when}`;
}
