/** The text kept in `last_error`: the error's message (its name when that is not `Error`), bounded in length. */
export function errorText(err: unknown): string {
  let text: string;
  if (err instanceof Error) text = err.name && err.name !== 'Error' ? `${err.name}: ${err.message}` : err.message;
  else text = String(err);
  return text.length > 2000 ? `${text.slice(0, 1999)}…` : text;
}
