import { Token } from '@lumino/coreutils';

import type { DeploymentsViewModel } from './widgets/deployments/DeploymentsViewModel';

/** What the sidebar lends other plugins of the extension (the chat). */
export interface ILwsDeployments {
  /** The live deployments of the namespace. */
  readonly deployments: DeploymentsViewModel;
  /** Adds content under a deployment's endpoint in the sidebar's detail (chat, smoke test). */
  setEndpointExtras(
    render: ((deployment: string) => JSX.Element | null) | null
  ): void;
}

/** The sidebar's deployments, for the extension's other plugins. */
export const ILwsDeployments = new Token<ILwsDeployments>(
  'jupyterlab-lws:deployments',
  'The live multi-node deployments of the namespace, from the sidebar.'
);
