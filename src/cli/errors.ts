import { NumericalError, UserError } from '../core/errors.js';

/**
 * How the CLI ends on an error: a user error (bad flag, bad file, bad shape) prints one line naming
 * the problem and exits 2, without a stack trace; a numerical failure prints one line and exits 3;
 * anything else is a bug and prints its stack (exit 1).
 */
export function reportError(e: unknown, write: (s: string) => void = (s) => process.stderr.write(s)): number {
  if (e instanceof UserError) {
    write(`overparam: ${e.message}\n`);
    return 2;
  }
  if (e instanceof NumericalError) {
    write(`overparam: numerical failure: ${e.message}\n`);
    return 3;
  }
  const err = e as { code?: string; message?: string };
  if (err && typeof err.code === 'string' && err.code.startsWith('commander.')) {
    return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help' ? 0 : 2;
  }
  write(`overparam: internal error (please report): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  return 1;
}
