/** The logger methods the engine calls (pino's `Logger` fits). */
export interface EngineLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Logs nothing: the default when no logger is given. */
export const silentLogger: EngineLogger = {
  warn: () => {},
  error: () => {},
};
