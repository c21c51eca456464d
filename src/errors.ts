/**
 * Errors a caller caused or may see, each with its HTTP status. Domain code throws
 * these; the HTTP error handler maps them to `{"error": message}` and never logs
 * them as faults. Anything else that escapes is a fault: logged, answered with 500.
 */
export class AppError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    /** Extra headers for the answer (for example `Retry-After`). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'AppError';
  }
}

/** 400: names the field and what is wrong with it. */
export function invalidField(field: string, problem: string): AppError {
  return new AppError(400, `${field}: ${problem}`);
}

export function badRequest(message: string): AppError {
  return new AppError(400, message);
}

export function unauthorized(message: string): AppError {
  return new AppError(401, message);
}

/** 403: says which permission would have allowed the operation. */
export function forbidden(message: string): AppError {
  return new AppError(403, message);
}

export function notFound(message: string): AppError {
  return new AppError(404, message);
}

export function methodNotAllowed(message: string): AppError {
  return new AppError(405, message);
}

export function conflict(message: string): AppError {
  return new AppError(409, message);
}
