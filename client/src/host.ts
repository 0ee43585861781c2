/**
 * What the fetch needs from its surroundings, without naming `vscode`: sessions and the provider's
 * refresh. index.ts binds it to VS Code; tests and the bench bind it to their own doubles.
 */

/** The parts of a VS Code AuthenticationSession this package reads. */
export interface SessionLike {
  readonly id: string;
  readonly accessToken: string;
  readonly account: { readonly id: string; readonly label: string };
  readonly scopes: readonly string[];
}

export interface SessionHost {
  /** `vscode.authentication.getSession('spotify', scopes, …)`: prompting only when `interactive`. */
  getSession(scopes: readonly string[], interactive: boolean): Promise<SessionLike | undefined>;
  /**
   * The provider's `refreshIfCurrent` (see the Spotify Authentication extension's exported API), or
   * undefined when it cannot be reached (an older provider, or one in another extension host).
   */
  refreshIfCurrent(sessionId: string, accessToken: string): Promise<boolean | undefined>;
}
