import * as vscode from 'vscode';
import { Logger } from '../common/logger';
import { Redactor, redactingLogger } from '../common/redactor';

/** The "Spotify Authentication" log channel, behind the redactor: no line reaches it unmasked. */
export function createLogChannelLogger(channel: vscode.LogOutputChannel, redactor: Redactor): Logger {
  return redactingLogger(
    {
      trace: (m) => channel.trace(m),
      debug: (m) => channel.debug(m),
      info: (m) => channel.info(m),
      warn: (m) => channel.warn(m),
      error: (m) => channel.error(m),
    },
    redactor,
  );
}
