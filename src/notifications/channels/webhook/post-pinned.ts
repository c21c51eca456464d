import http from 'node:http';
import https from 'node:https';
import type { LookupAddress, LookupOptions } from 'node:dns';
import { TemporaryFailure } from '../channel.ts';
import type { ResolvedAddress } from './address-guard.ts';

/** What an endpoint answered (the body only as far as {@link MAX_ANSWER_BYTES}). */
export interface PostAnswer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** How much of an answer is read; the rest is dropped (an endpoint must not make us buffer megabytes). */
export const MAX_ANSWER_BYTES = 4096;

export interface PostOptions {
  readonly url: URL;
  /** The checked addresses of the URL's host: the connection goes to one of these and nowhere else. */
  readonly addresses: readonly ResolvedAddress[];
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly timeoutMs: number;
}

/**
 * POSTs `body` to `url`, connecting only to the already checked `addresses` (so a DNS answer
 * that changes between the check and the connection cannot redirect the request: no
 * rebinding), with no connection reuse and no redirects followed (a 3xx is answered as is).
 * The whole exchange, answer included, must finish within `timeoutMs`. Answers the status,
 * headers and the start of the body; a timeout or connection failure throws a
 * {@link TemporaryFailure} whose message names neither the path nor the query.
 */
export function postPinned(o: PostOptions): Promise<PostAnswer> {
  const client = o.url.protocol === 'https:' ? https : http;
  const pinned = (_host: string, opts: LookupOptions, cb: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void): void => {
    const usable = o.addresses.filter((a) => !opts.family || opts.family === a.family);
    const list = usable.length > 0 ? usable : o.addresses;
    if (opts.all) cb(null, list.map((a) => ({ address: a.address, family: a.family })));
    else cb(null, list[0]!.address, list[0]!.family);
  };
  const signal = AbortSignal.timeout(o.timeoutMs);
  const host = o.url.host;
  return new Promise<PostAnswer>((resolve, reject) => {
    const fail = (err: unknown): void => {
      if (signal.aborted) reject(new TemporaryFailure(`${host} did not answer within ${describeMs(o.timeoutMs)}`));
      else {
        const code = (err as NodeJS.ErrnoException | null)?.code;
        reject(new TemporaryFailure(`could not reach ${host}${code ? ` (${code})` : ''}`));
      }
    };
    const req = client.request(
      o.url,
      {
        method: 'POST',
        headers: { ...o.headers, 'content-length': String(Buffer.byteLength(o.body)) },
        lookup: pinned,
        agent: false,
        signal,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const done = (): void => {
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
          res.destroy();
        };
        res.on('data', (c: Buffer) => {
          if (size < MAX_ANSWER_BYTES) chunks.push(c.subarray(0, MAX_ANSWER_BYTES - size));
          size += c.length;
          if (size >= MAX_ANSWER_BYTES) done();
        });
        res.on('end', done);
        res.on('error', fail);
      },
    );
    req.on('error', fail);
    req.end(o.body);
  });
}

function describeMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
