// A small Server-Sent Events client over fetch, for tests of live feeds on a real socket.

/** One event as the stream framed it. */
export interface SseEvent {
  readonly id: string | null;
  readonly event: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly data: any;
}

export interface SseStream {
  readonly status: number;
  readonly headers: Headers;
  /** The body when the answer was not a stream (an error's JSON). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly body: any;
  /** Comment lines received so far (`: ping` arrives as `ping`). */
  readonly comments: string[];
  /** The next event; rejects after `timeoutMs` without one. */
  next(timeoutMs?: number): Promise<SseEvent>;
  /** Resolves when a comment equal to `text` has arrived. */
  comment(text: string, timeoutMs?: number): Promise<void>;
  /** Resolves when the server has ended the stream. */
  readonly ended: Promise<void>;
  /** Goes away, as a client closing its tab. */
  close(): void;
}

/** Opens `url` as an event stream with the given headers. */
export async function openSse(url: string, headers: Record<string, string>): Promise<SseStream> {
  const abort = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
  const comments: string[] = [];
  const queue: SseEvent[] = [];
  let waiters: Array<() => void> = [];
  const notify = () => {
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  };
  if (!(res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* keep text */
    }
    return {
      status: res.status, headers: res.headers, body, comments,
      next: () => Promise.reject(new Error(`not a stream: ${res.status} ${text}`)),
      comment: () => Promise.reject(new Error('not a stream')),
      ended: Promise.resolve(),
      close: () => abort.abort(),
    };
  }
  let ended = false;
  const endedP = (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let at: number;
        while ((at = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, at);
          buffer = buffer.slice(at + 2);
          let id: string | null = null;
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            else if (line.startsWith('id: ')) id = line.slice(4);
            else if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length > 0) queue.push({ id, event, data: JSON.parse(data.join('\n')) });
        }
        notify();
      }
    } catch {
      /* aborted */
    } finally {
      ended = true;
      notify();
    }
  })();
  const waitFor = async <T>(take: () => T | undefined, timeoutMs: number, what: string): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const got = take();
      if (got !== undefined) return got;
      if (ended) throw new Error(`stream ended while waiting for ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${what} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  };
  return {
    status: res.status,
    headers: res.headers,
    body: undefined,
    comments,
    next: (timeoutMs = 5000) => waitFor(() => queue.shift(), timeoutMs, 'event'),
    comment: (text, timeoutMs = 5000) => waitFor(() => (comments.includes(text) ? true : undefined), timeoutMs, `comment "${text}"`).then(() => {}),
    ended: endedP,
    close: () => abort.abort(),
  };
}
