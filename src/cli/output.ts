import { redactSecrets } from '../core/config/credentials';
import { describeError, LakehouseError } from '../core/errors';

export interface Output {
  json: boolean;
  /** Result: human text or one JSON document on stdout. */
  result(text: string, data: unknown): void;
  /** Progress and notes go to stderr so stdout stays parseable. */
  info(text: string): void;
  error(error: unknown): void;
}

export function createOutput(
  json: boolean,
  out: { write(text: string): unknown } = process.stdout,
  err: { write(text: string): unknown } = process.stderr,
): Output {
  const started = Date.now();
  // Nothing reaches the terminal or a CI log unredacted, whatever an error or a result carries.
  const stdout = { write: (text: string) => out.write(redactSecrets(text)) };
  const stderr = { write: (text: string) => err.write(redactSecrets(text)) };
  return {
    json,
    result(text, data) {
      stdout.write(json ? `${JSON.stringify(data, jsonReplacer, 2)}\n` : `${text}\n`);
    },
    info(text) {
      stderr.write(`${text}\n`);
    },
    error(error) {
      if (json) {
        const code = error instanceof LakehouseError ? error.code : 'error';
        const hint = error instanceof LakehouseError ? error.hint : undefined;
        const message = error instanceof Error ? error.message : String(error);
        const body = { ok: false, error: { code, message, hint }, elapsedMs: Date.now() - started };
        stdout.write(`${JSON.stringify(body, jsonReplacer, 2)}\n`);
      } else {
        stderr.write(`lakehouse: ${describeError(error)}\n`);
      }
    },
  };
}

/** Dates as ISO strings, bigints as numbers when safe. */
export function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  return value;
}
