/**
 * The one logger of the runtime: level-gated, debug messages built lazily, warnings keyed by a
 * stable code and printed once per logger.
 */
export const LogLevel = { Debug: 0, Info: 1, Warn: 2, Error: 3, Silent: 4 } as const;
export type LogLevel = (typeof LogLevel)[keyof typeof LogLevel];

export class Logger {
  private readonly warned = new Set<string>();

  constructor(
    private readonly scope: string,
    private level: LogLevel = LogLevel.Info,
  ) {}

  setLevel(level: LogLevel): void {
    this.level = level;
  }

  /** Logs at debug level; `message` is only called when debug output is on. */
  debug(message: () => string): void {
    if (this.level <= LogLevel.Debug) console.debug(`[${this.scope}] ${message()}`);
  }

  info(message: string): void {
    if (this.level <= LogLevel.Info) console.info(`[${this.scope}] ${message}`);
  }

  /** Logs a warning once per `code`; later warnings with the same code are counted, not printed. */
  warnOnce(code: string, message: string): void {
    if (this.warned.has(code)) return;
    this.warned.add(code);
    if (this.level <= LogLevel.Warn) console.warn(`[${this.scope}] ${code}: ${message}`);
  }

  error(message: string, error?: unknown): void {
    if (this.level <= LogLevel.Error) console.error(`[${this.scope}] ${message}`, error ?? '');
  }
}
