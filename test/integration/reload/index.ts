import { runMochaIn } from '../mochaRunner';

/** extensionTestsPath of the same browser profile after a reload: persistence, then sign-out. */
export function run(): Promise<void> {
  return runMochaIn(__dirname);
}
