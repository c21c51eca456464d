import { AppError } from '../../errors.ts';

/**
 * An event PagerDuty's Events API would refuse, with every problem found in it. The
 * PagerDuty routes answer it as `400 {"status":"invalid event","message":"Event object
 * is invalid","errors":[...]}`; nothing was written.
 */
export class InvalidEventError extends AppError {
  constructor(readonly errors: readonly string[]) {
    super(400, `Event object is invalid: ${errors.join('; ')}`);
    this.name = 'InvalidEventError';
  }
}
