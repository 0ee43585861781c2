/**
 * Spotify scopes. The list is what Spotify documents today; Spotify may add scopes, so an unknown
 * but well-formed scope is passed through (the caller logs a warning) rather than refused.
 */
export const KNOWN_SCOPES: ReadonlySet<string> = new Set([
  'ugc-image-upload',
  'user-read-playback-state',
  'user-modify-playback-state',
  'user-read-currently-playing',
  'app-remote-control',
  'streaming',
  'playlist-read-private',
  'playlist-read-collaborative',
  'playlist-modify-private',
  'playlist-modify-public',
  'user-follow-modify',
  'user-follow-read',
  'user-read-playback-position',
  'user-top-read',
  'user-read-recently-played',
  'user-library-modify',
  'user-library-read',
  'user-read-email',
  'user-read-private',
]);

/** RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** Scope strings already checked against {@link SCOPE_TOKEN}, so the hot path skips the regex. */
const VALIDATED = new Set<string>(KNOWN_SCOPES);
const MAX_VALIDATED = 1024;

/**
 * Splits (callers sometimes pass one space-separated string), trims, de-duplicates and sorts, so two
 * requests for the same scopes compare equal. Throws on a scope that could not be sent to Spotify.
 * Input that is already normal (one valid scope per entry, sorted, unique: what extensions usually
 * pass, and what getSessions sees thousands of times a second) is copied without further work.
 */
export function normalizeScopes(scopes: readonly string[]): string[] {
  let normal = true;
  for (let i = 0; i < scopes.length && normal; i++) {
    const s = scopes[i];
    normal = typeof s === 'string' && VALIDATED.has(s) && (i === 0 || scopes[i - 1] < s);
  }
  if (normal) {
    return scopes.slice();
  }
  const out = new Set<string>();
  for (const entry of scopes) {
    if (typeof entry !== 'string') {
      throw new TypeError(`A scope must be a string, got ${typeof entry}.`);
    }
    for (const scope of entry.split(' ')) {
      if (scope === '') {
        continue;
      }
      if (!VALIDATED.has(scope)) {
        if (!SCOPE_TOKEN.test(scope)) {
          throw new TypeError(`"${scope.slice(0, 40)}" is not a valid OAuth scope.`);
        }
        if (VALIDATED.size < MAX_VALIDATED) {
          VALIDATED.add(scope);
        }
      }
      out.add(scope);
    }
  }
  return [...out].sort();
}

export function unknownScopes(scopes: readonly string[]): string[] {
  return scopes.filter((s) => !KNOWN_SCOPES.has(s));
}

/** True when a grant with `granted` scopes can serve a request for `requested`. */
export function scopesCover(granted: readonly string[], requested: readonly string[]): boolean {
  const have = new Set(granted);
  return requested.every((s) => have.has(s));
}

/** Parses the `scope` field of a token response (space-separated, possibly empty or absent). */
export function parseScopeField(scope: unknown): string[] {
  return typeof scope === 'string' ? normalizeScopes([scope]) : [];
}
