/**
 * Application errors: services throw these, transports translate them once (the admin API into
 * `{ error: { code, message } }`, the phone-facing app into a bare status with no detail).
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "AppError";
  }
}

export const invalidInput = (message: string, details?: unknown): AppError =>
  new AppError(400, "invalid_input", message, details);
export const notFound = (message: string): AppError => new AppError(404, "not_found", message);
export const conflict = (message: string): AppError => new AppError(409, "conflict", message);
export const unauthorized = (message = "a valid bearer token is required"): AppError =>
  new AppError(401, "unauthorized", message);
export const forbidden = (message: string): AppError => new AppError(403, "forbidden", message);
export const payloadTooLarge = (message: string): AppError => new AppError(413, "payload_too_large", message);
