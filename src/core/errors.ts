/**
 * Errors the user can cause (bad shapes, bad input) are `UserError`s: the CLI prints their one-line
 * message without a stack trace and exits with code 2. Everything else is a bug and keeps its stack.
 */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

/** Raised when a numerical procedure cannot proceed (matrix not positive definite, singular, no convergence). */
export class NumericalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NumericalError';
  }
}

export function shapeStr(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
