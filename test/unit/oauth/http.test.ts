import * as assert from 'assert';
import * as sinon from 'sinon';
import { nullLogger } from '../../../src/common/logger';
import { HttpError, OAuthError, TransportError } from '../../../src/oauth/errors';
import { backoffDelay, DEFAULT_RETRY, HttpContext, parseRetryAfter, send, withRetry } from '../../../src/oauth/http';

function ctx(over: Partial<HttpContext> = {}): HttpContext {
  return { fetch: globalThis.fetch, timeoutMs: 1000, retry: DEFAULT_RETRY, logger: nullLogger, sleep: sinon.stub().resolves(), random: () => 0.5, ...over };
}

describe('oauth/http', () => {
  it('parses Retry-After as seconds or a date; 0, missing and junk give undefined', () => {
    assert.strictEqual(parseRetryAfter('3'), 3000);
    assert.strictEqual(parseRetryAfter('0'), undefined);
    assert.strictEqual(parseRetryAfter(null), undefined);
    assert.strictEqual(parseRetryAfter('soon'), undefined);
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.strictEqual(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now), 5000);
  });

  it('backs off exponentially from 0.5 s, with jitter, capped at 8 s', () => {
    assert.strictEqual(backoffDelay(DEFAULT_RETRY, 0, () => 0), 250);
    assert.strictEqual(backoffDelay(DEFAULT_RETRY, 0, () => 0.999999), 500);
    assert.strictEqual(backoffDelay(DEFAULT_RETRY, 1, () => 0), 500);
    assert.strictEqual(backoffDelay(DEFAULT_RETRY, 10, () => 0.999999), 8000);
  });

  it('retries transient failures, then succeeds', async () => {
    const c = ctx();
    let n = 0;
    const result = await withRetry(c, 'x', async () => {
      if (++n < 3) {
        throw new HttpError(503, 'down');
      }
      return 'ok';
    });
    assert.strictEqual(result, 'ok');
    assert.strictEqual(n, 3);
    assert.deepStrictEqual((c.sleep as sinon.SinonStub).args.map((a) => a[0]), [375, 750]);
  });

  it('honours Retry-After on 429 and uses the backoff when it is missing', async () => {
    const c = ctx();
    let n = 0;
    await withRetry(c, 'x', async () => {
      n++;
      if (n === 1) {
        throw new HttpError(429, 'slow down', 2000);
      }
      if (n === 2) {
        throw new HttpError(429, 'slow down');
      }
      return 'ok';
    });
    assert.deepStrictEqual((c.sleep as sinon.SinonStub).args.map((a) => a[0]), [2000, 750]);
  });

  it('gives up after maxAttempts with the last error', async () => {
    const c = ctx();
    let n = 0;
    await assert.rejects(
      withRetry(c, 'x', async () => {
        n++;
        throw new TransportError('network', 'unreachable');
      }),
      TransportError,
    );
    assert.strictEqual(n, DEFAULT_RETRY.maxAttempts);
  });

  it('does not retry invalid_grant or other OAuth errors', async () => {
    let n = 0;
    await assert.rejects(
      withRetry(ctx(), 'x', async () => {
        n++;
        throw new OAuthError('invalid_grant', 'Refresh token revoked', 400);
      }),
      OAuthError,
    );
    assert.strictEqual(n, 1);
  });

  it('does not wait out an unreasonable Retry-After', async () => {
    const c = ctx();
    await assert.rejects(
      withRetry(c, 'Token refresh', async () => {
        throw new HttpError(429, 'slow down', 3_600_000);
      }),
      /asks to wait 3600 s/,
    );
    assert.strictEqual((c.sleep as sinon.SinonStub).callCount, 0);
  });

  it('maps a hanging server to a timeout and a refused connection to a network error', async () => {
    const hang = ctx({ timeoutMs: 50, fetch: (_u, init) => new Promise((_r, reject) => init.signal!.addEventListener('abort', () => reject(new Error('aborted')))) });
    await assert.rejects(send(hang, 'http://127.0.0.1:1/x', {}, 'Probe'), (e: unknown) => e instanceof TransportError && e.kind === 'timeout');
    await assert.rejects(send(ctx(), 'http://127.0.0.1:1/x', {}, 'Probe'), (e: unknown) => e instanceof TransportError && e.kind === 'network');
  });
});
