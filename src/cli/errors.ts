// Errors the CLI reports as a message and exit code 2, never as a stack trace.

/** Bad input or usage: printed as "cowlab: <message>" (the message carries file:line:column where known). */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Prints a UsageError and returns the exit code for bad input. */
export function reportError(e: UsageError): number {
  process.stderr.write(`cowlab: ${e.message}\n`);
  return 2;
}
