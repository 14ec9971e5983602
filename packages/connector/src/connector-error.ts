/**
 * An error the `burrow` CLI prints as what happened / why / how to fix, then exits 1. `retryable`
 * errors are logged and retried by the reconnect loop instead.
 */
export class ConnectorError extends Error {
  readonly why: string;
  readonly fix: string;
  readonly retryable: boolean;

  constructor(what: string, why: string, fix: string, options: { retryable?: boolean } = {}) {
    super(what);
    this.name = "ConnectorError";
    this.why = why;
    this.fix = fix;
    this.retryable = options.retryable ?? false;
  }

  /** The three-line explanation the CLI prints. */
  explain(): string {
    return `error: ${this.message}\n  why: ${this.why}\n  fix: ${this.fix}`;
  }
}
