import type { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import type { IClusterContext } from '../api/context';

/** Props of {@link ContextSummary}. */
export interface IContextSummaryProps {
  context: IClusterContext | null;
  error: Error | null;
  trans: TranslationBundle;
}

/**
 * Where the notebook is connected and what it may do there; when rights are missing, the exact
 * commands an admin runs to grant them (the guide's Step 1.3).
 */
export function ContextSummary(props: IContextSummaryProps): JSX.Element {
  const { context, error, trans } = props;
  if (error) {
    return (
      <div className="jp-lws-ContextSummary jp-lws-mod-error" role="alert">
        <strong>{trans.__('Cannot reach the cluster')}</strong>
        <p>{error.message}</p>
      </div>
    );
  }
  if (!context) {
    return (
      <div className="jp-lws-ContextSummary">{trans.__('Connecting…')}</div>
    );
  }
  return (
    <div className="jp-lws-ContextSummary">
      <dl className="jp-lws-ContextSummary-facts">
        <dt>{trans.__('Namespace')}</dt>
        <dd data-testid="lws-namespace">{context.namespace}</dd>
        <dt>{trans.__('Kubernetes')}</dt>
        <dd>{context.serverVersion?.gitVersion ?? trans.__('unknown')}</dd>
        <dt>{trans.__('LeaderWorkerSet')}</dt>
        <dd data-testid="lws-installed">
          {context.lwsInstalled
            ? trans.__('installed (%1)', context.lwsVersions.join(', '))
            : trans.__('not installed')}
        </dd>
      </dl>
      {!context.lwsInstalled && (
        <p className="jp-lws-mod-warning" role="alert">
          {trans.__(
            'The LeaderWorkerSet API is not installed in this cluster. Ask an admin to import the LeaderWorkerSet framework (the guide, Step 1).'
          )}
        </p>
      )}
      {context.missing.length > 0 ? (
        <div
          className="jp-lws-Permissions jp-lws-mod-warning"
          data-testid="lws-missing-rights"
        >
          <p>
            {trans.__(
              'Your notebook’s service account lacks rights it needs: %1.',
              context.missing.map(m => `${m.verb} ${m.resource}`).join(', ')
            )}
          </p>
          <p>{trans.__('An admin can grant them with:')}</p>
          <pre className="jp-lws-AdminCommands">
            {context.adminCommands.join('\n\n')}
          </pre>
        </div>
      ) : (
        <p className="jp-lws-Permissions" data-testid="lws-permissions-ok">
          {trans.__(
            'Your service account may deploy, watch and delete LeaderWorkerSets here.'
          )}
        </p>
      )}
    </div>
  );
}
