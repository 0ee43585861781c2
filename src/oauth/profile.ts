import { userProfileEndpoint, SpotifyEndpoints } from './endpoints';
import { AccountRefusedError, HttpError } from './errors';
import { HttpAnswer, HttpContext, parseRetryAfter, send, withRetry } from './http';

/** What labels and identifies a Spotify account in VS Code. */
export interface SpotifyAccount {
  /** Stable identity: `account_id` when Spotify sends it (since May 2026), else `id`. */
  readonly id: string;
  /** What people see in the Accounts menu: `display_name`, else `id`. */
  readonly label: string;
  /** The Spotify user id (`id`), for API calls that need it. */
  readonly userId: string;
  readonly imageUrl?: string;
}

/** Pause before the one retry of a 401 that a freshly issued token sometimes gets (since July 2026). */
export const FRESH_TOKEN_401_PAUSE_MS = 500;

/**
 * `GET /v1/me`. Deliberately reads no `email`, `country` or `product`: they are gone in Development
 * Mode. A 401 is tried once more after a short pause (a token fresh from the token endpoint is
 * sometimes refused for a moment); a 403 is {@link AccountRefusedError}; a 429 that names
 * `QUOTA_EXCEEDED` is not retried soon.
 */
export async function fetchUserProfile(ctx: HttpContext, endpoints: SpotifyEndpoints, accessToken: string): Promise<SpotifyAccount> {
  const what = 'Reading your Spotify profile';
  let retried401 = false;
  return withRetry(ctx, what, async () => {
    for (;;) {
      const answer = await send(ctx, userProfileEndpoint(endpoints), {
        method: 'GET',
        headers: { Authorization: `Bearer ${accessToken}`, Accept: 'application/json' },
      }, what);
      if (answer.status === 401 && !retried401) {
        retried401 = true;
        ctx.logger.info(`${what}: Spotify refused the new token for a moment (HTTP 401); trying once more.`);
        await ctx.sleep(FRESH_TOKEN_401_PAUSE_MS);
        continue;
      }
      return toAccountOrThrow(answer, what);
    }
  });
}

function toAccountOrThrow(answer: HttpAnswer, what: string): SpotifyAccount {
  const json = answer.json as Record<string, unknown> | undefined;
  const said = spotifySaid(answer);
  if (answer.status === 403) {
    throw new AccountRefusedError(said);
  }
  if (answer.status !== 200) {
    const quota = answer.status === 429 && /QUOTA_EXCEEDED/.test(answer.text);
    throw new HttpError(answer.status, `${what} failed: ${said ?? `HTTP ${answer.status}`} (HTTP ${answer.status})`, parseRetryAfter(answer.headers.get('retry-after')), said, quota);
  }
  if (!json || typeof json !== 'object' || typeof json.id !== 'string' || json.id === '') {
    throw new HttpError(502, `${what} failed: the answer has no user id.`);
  }
  return toAccount(json);
}

export function toAccount(json: Record<string, unknown>): SpotifyAccount {
  const userId = json.id as string;
  const accountId = typeof json.account_id === 'string' && json.account_id !== '' ? json.account_id : undefined;
  const displayName = typeof json.display_name === 'string' && json.display_name.trim() !== '' ? json.display_name.trim() : undefined;
  const images = Array.isArray(json.images) ? json.images : [];
  const first = images[0] as { url?: unknown } | undefined;
  return {
    id: accountId ?? userId,
    label: displayName ?? userId,
    userId,
    ...(first && typeof first.url === 'string' ? { imageUrl: first.url } : {}),
  };
}

/**
 * What Spotify said: the Web API's JSON error (`{"error":{"status":N,"message":"…"}}`), or a plain
 * text body (Development Mode 403s), cut short; undefined when it said nothing readable.
 */
function spotifySaid(answer: HttpAnswer): string | undefined {
  const err = (answer.json as { error?: { message?: unknown } } | undefined)?.error;
  if (typeof err?.message === 'string' && err.message.trim()) {
    return err.message.trim().slice(0, 200);
  }
  const text = answer.json === undefined && !/html/i.test(answer.contentType) ? answer.text.trim() : '';
  return text ? text.slice(0, 200) : undefined;
}
