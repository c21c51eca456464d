import { z } from 'zod';

/** NUL, or a UTF-16 surrogate without its pair: text PostgreSQL refuses to store. */
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether PostgreSQL can store this text (in `text` and in `jsonb`). */
export function isStorableText(s: string): boolean {
  return !UNSTORABLE.test(s);
}

/**
 * A string schema that refuses text PostgreSQL cannot store (NUL characters, unpaired
 * surrogates), so such input is a 400 naming the field instead of a storage fault that
 * a sender would retry forever.
 */
export function storableString(): z.ZodString {
  return z.string().refine(isStorableText, { error: 'must not contain NUL characters or unpaired UTF-16 surrogates' });
}
