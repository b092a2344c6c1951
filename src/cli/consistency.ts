// TEMPORARY placeholder: replaced by the real command.
import { NotarError } from '../core/errors.js';

export async function run(): Promise<number> {
  throw new NotarError('USAGE', 'consistency is not built yet');
}
