/** An answer from outside that is larger than its cap; raised before more than the cap is held in memory. */
export class ResponseTooLargeError extends Error {
  constructor(
    readonly url: string,
    readonly maxBytes: number,
    declaredBytes?: number,
  ) {
    super(
      `the answer from ${url} is larger than ${maxBytes} bytes${declaredBytes === undefined ? '' : ` (Content-Length ${declaredBytes})`}`,
    );
    this.name = 'ResponseTooLargeError';
  }
}

// Statuses whose Response may not carry a body; they are passed on as they are.
export const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/**
 * `fetch` whose answers can never hold more than `maxBytes` of body (see boundedResponse). For the clients of services
 * the operator configures (Stripe, the tutor's model); a URL someone else supplied goes through lib/outbound-guard.ts.
 */
// Global fetch for the operator-configured SDKs only (their base URLs are configuration, not anyone's input).
// eslint-disable-next-line no-restricted-globals
export function boundedFetch(maxBytes: number, inner: typeof fetch = fetch): typeof fetch {
  return async (input, init) => {
    const res = await inner(input, init);
    return boundedResponse(res, res.url || String(input instanceof Request ? input.url : input), maxBytes);
  };
}

/**
 * The answer with a body that can never hold more than `maxBytes`: a Content-Length above the cap is refused at once,
 * and a body that streams past it errors (and the connection is dropped) as soon as the cap is crossed, so a caller
 * reading the answer whole (`text()`, `json()`, an SDK) holds at most `maxBytes`.
 */
export async function boundedResponse(res: Response, url: string, maxBytes: number): Promise<Response> {
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    throw new ResponseTooLargeError(url, maxBytes, declared);
  }
  if (!res.body || NULL_BODY_STATUSES.has(res.status)) return res;
  let received = 0;
  const counted = res.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        received += chunk.byteLength;
        // Erroring the stream also cancels the source, which aborts the download.
        if (received > maxBytes) controller.error(new ResponseTooLargeError(url, maxBytes));
        else controller.enqueue(chunk);
      },
    }),
  );
  const bounded = new Response(counted, { status: res.status, statusText: res.statusText, headers: res.headers });
  // SDKs read the final URL (after redirects) of the answer; a new Response would have none.
  Object.defineProperty(bounded, 'url', { value: res.url });
  return bounded;
}

/** The ResponseTooLargeError behind `err`, when an SDK wrapped it (as `cause`) on its way up. */
export function responseTooLarge(err: unknown): ResponseTooLargeError | undefined {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof ResponseTooLargeError) return e;
  }
  return undefined;
}
