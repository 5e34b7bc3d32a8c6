import type { ServerConnection } from '@jupyterlab/services';

import { requestAPI } from './request';

/** A right the notebook's service account lacks. */
export interface IMissingRight {
  resource: string;
  verb: string;
}

/** What the server extension knows about the cluster and the notebook's rights there. */
export interface IClusterContext {
  namespace: string;
  serverVersion: { gitVersion?: string; major?: string; minor?: string } | null;
  lwsInstalled: boolean;
  lwsVersions: string[];
  /** resource -> verb -> allowed */
  permissions: Record<string, Record<string, boolean>>;
  missing: IMissingRight[];
  /** The kubectl commands an admin runs to grant what is missing (the guide's Step 1.3). */
  adminCommands: string[];
  /** The service account's user name, e.g. system:serviceaccount:ns:default-editor. */
  user: string | null;
}

/** Reads the cluster context: namespace, versions, LWS presence and permissions. */
export function fetchContext(
  settings: ServerConnection.ISettings
): Promise<IClusterContext> {
  return requestAPI<IClusterContext>('context', { method: 'GET' }, settings);
}

/** True when the account may do `verb` on `resource`. */
export function can(
  context: IClusterContext | null,
  resource: string,
  verb: string
): boolean {
  return context?.permissions?.[resource]?.[verb] === true;
}
