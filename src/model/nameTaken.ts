import type { IIssue } from './issues';
import { warning } from './issues';

/**
 * The warning, while the name is typed, that a deployment of that name exists: Deploy would
 * replace it (after asking), and its pods would restart with the new spec.
 */
export function nameTakenIssue(name: string, namespace: string): IIssue {
  return warning(
    'name-taken',
    `A deployment named "${name}" already exists in ${namespace}: Deploy would replace it (after asking), and its pods restart with this spec. Choose another name to keep it.`,
    'name'
  );
}
