import { userProfileEndpoint, SpotifyEndpoints } from './endpoints';
import { HttpError } from './errors';
import { HttpContext, parseRetryAfter, send, withRetry } from './http';

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

/** `GET /v1/me`. Deliberately reads no `email`, `country` or `product`: they are gone in Development Mode. */
export async function fetchUserProfile(ctx: HttpContext, endpoints: SpotifyEndpoints, accessToken: string): Promise<SpotifyAccount> {
  const what = 'Reading your Spotify profile';
  return withRetry(ctx, what, async () => {
    const answer = await send(ctx, userProfileEndpoint(endpoints), {
      method: 'GET',
      headers: { Authorization: `Bearer ${accessToken}`, Accept: 'application/json' },
    }, what);
    const json = answer.json as Record<string, unknown> | undefined;
    if (answer.status !== 200) {
      throw new HttpError(answer.status, `${what} failed: ${webApiMessage(json, answer.status)}`, parseRetryAfter(answer.headers.get('retry-after')));
    }
    if (!json || typeof json !== 'object' || typeof json.id !== 'string' || json.id === '') {
      throw new HttpError(502, `${what} failed: the answer has no user id.`);
    }
    return toAccount(json);
  });
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

/** Spotify's Web API error body is `{"error":{"status":N,"message":"…"}}`; its message is safe to show. */
function webApiMessage(json: Record<string, unknown> | undefined, status: number): string {
  const err = json?.error as { message?: unknown } | undefined;
  const message = typeof err?.message === 'string' ? err.message.slice(0, 200) : undefined;
  return message ? `${message} (HTTP ${status})` : `HTTP ${status}`;
}
