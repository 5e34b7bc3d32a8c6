import { ServerConnection } from '@jupyterlab/services';
import type { TranslationBundle } from '@jupyterlab/translation';

import { LwsApiError } from '../../api/request';

/** What an action tried, for the refusal message ("scale", "deployment llama-70b"). */
export interface IAttempt {
  /** The Kubernetes verb (patch, delete). */
  verb: string;
  /** The resource, as RBAC names it (leaderworkersets, pods, services). */
  resource: string;
  /** The object, in words ("the deployment llama-70b"). */
  what: string;
}

/**
 * Why an action failed, in words a user can act on: RBAC refusals name the missing right,
 * conflicts say to try again, validation errors keep the API server's reason.
 */
export function actionErrorMessage(
  error: unknown,
  attempt: IAttempt,
  trans: TranslationBundle
): string {
  if (error instanceof LwsApiError) {
    switch (error.status) {
      case 403:
        return trans.__(
          'Refused: your notebook’s service account may not %1 %2 in this namespace. An admin can grant it (the sidebar lists the commands). Kubernetes said: %3',
          attempt.verb,
          attempt.resource,
          error.message
        );
      case 404:
        return trans.__(
          '%1 no longer exists: someone deleted it already.',
          capitalise(attempt.what)
        );
      case 409:
        return trans.__(
          '%1 changed while you were looking at it: nothing was changed. Try again with the current state.',
          capitalise(attempt.what)
        );
      case 422:
      case 400:
        return trans.__('Kubernetes refused the change: %1', error.message);
      default:
        return trans.__(
          'Could not %1 %2 (HTTP %3): %4',
          attempt.verb,
          attempt.what,
          error.status,
          error.message
        );
    }
  }
  if (error instanceof ServerConnection.NetworkError) {
    return trans.__(
      'Could not reach the Jupyter server, so nothing was changed: %1',
      error.message
    );
  }
  return trans.__(
    'Could not %1 %2: %3',
    attempt.verb,
    attempt.what,
    error instanceof Error ? error.message : String(error)
  );
}

function capitalise(text: string): string {
  return text.charAt(0).toLocaleUpperCase() + text.slice(1);
}
