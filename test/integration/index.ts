import { runMochaIn } from './mochaRunner';

/** extensionTestsPath of the first window: sign in, consume, refresh. */
export function run(): Promise<void> {
  return runMochaIn(__dirname);
}
