// Errors of the client configuration: a variable that is missing where it is required,
// one whose value does not parse or is out of bounds, and a principal that belongs to
// another chain than the configured network. `code` is stable API; `variable` names the
// environment variable at fault. Values are quoted back except where marked secret.
import { BitStreamError } from '../errors/errors.js';

export type ConfigErrorCode = 'CONFIG_INVALID' | 'CONFIG_MISSING' | 'CONFIG_NETWORK_MISMATCH';

export class ConfigError extends BitStreamError {
  readonly variable: string;
  constructor(code: ConfigErrorCode, variable: string, message: string, opts: { value?: string; cause?: unknown } = {}) {
    super(code, `${variable}: ${message}`, {
      details: opts.value === undefined ? { variable } : { variable, value: opts.value },
      cause: opts.cause,
    });
    this.variable = variable;
  }
}
