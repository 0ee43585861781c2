/**
 * Removes secret values from text before it is logged or shown.
 *
 * Two nets, because either alone leaks: every secret value the code handles (tokens, codes,
 * verifiers, client secrets) is registered here and replaced wherever it appears, and well-known
 * parameter shapes (`code=…`, `Bearer …`, `"access_token":"…"`) are masked even when the value was
 * never registered, e.g. a code inside a URL the user pasted.
 */
const MIN_SECRET_LENGTH = 6;
const MAX_REMEMBERED = 256;

const PATTERNS: RegExp[] = [
  /\b(access_token|refresh_token|code|code_verifier|code_challenge|client_secret|id_token|state)=([^&\s"'#]+)/gi,
  /("(?:access_token|refresh_token|code|code_verifier|client_secret|accessToken|refreshToken)"\s*:\s*")([^"]*)(")/g,
  /\b(Bearer|Basic)\s+[A-Za-z0-9\-._~+/=]+/g,
];

export class Redactor {
  private readonly secrets = new Set<string>();

  /** Remembers a secret value; short values are ignored because masking them would garble text. */
  add(value: string | undefined): void {
    if (!value || value.length < MIN_SECRET_LENGTH) {
      return;
    }
    if (this.secrets.size >= MAX_REMEMBERED) {
      // Oldest first: Set keeps insertion order.
      const oldest = this.secrets.values().next().value;
      if (oldest !== undefined) {
        this.secrets.delete(oldest);
      }
    }
    this.secrets.add(value);
  }

  redact(text: string): string {
    let out = text;
    for (const secret of this.secrets) {
      if (out.includes(secret)) {
        out = out.split(secret).join('***');
      }
    }
    out = out.replace(PATTERNS[0], (_m, name: string) => `${name}=***`);
    out = out.replace(PATTERNS[1], (_m, pre: string, _v: string, post: string) => `${pre}***${post}`);
    out = out.replace(PATTERNS[2], (_m, scheme: string) => `${scheme} ***`);
    return out;
  }
}

/** A Logger that redacts every line before handing it on. */
export function redactingLogger(inner: import('./logger').Logger, redactor: Redactor): import('./logger').Logger {
  return {
    trace: (m) => inner.trace(redactor.redact(m)),
    debug: (m) => inner.debug(redactor.redact(m)),
    info: (m) => inner.info(redactor.redact(m)),
    warn: (m) => inner.warn(redactor.redact(m)),
    error: (m) => inner.error(redactor.redact(m)),
  };
}
