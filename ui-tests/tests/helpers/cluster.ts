/**
 * Test fixtures' access to the local cluster as its admin (kubectl with the admin kubeconfig
 * that `scripts/cluster/cluster.sh up` writes), to set up and inspect what the UI should show.
 */
import { execFileSync } from 'child_process';
import { existsSync, readFileSync } from 'fs';
import { homedir } from 'os';
import { join } from 'path';

interface IClusterInfo {
  server: string;
  adminKubeconfig: string;
  kubectl: string;
  accounts: Record<
    string,
    { namespace: string; serviceAccount: string; dir: string }
  >;
}

function clusterInfo(): IClusterInfo {
  const run =
    process.env.LWS_CLUSTER_RUN ?? join(homedir(), '.cache/jupyterlab-lws/run');
  const file = join(run, 'cluster.json');
  if (!existsSync(file)) {
    throw new Error(
      `${file} is missing: start the local cluster with bash scripts/cluster/cluster.sh up`
    );
  }
  return JSON.parse(readFileSync(file, 'utf-8'));
}

export const cluster = clusterInfo();

/** The namespace the UI runs in (the editor account's). */
export const userNamespace = cluster.accounts.editor.namespace;

/** Runs kubectl as the cluster admin and returns its standard output. */
export function kubectl(args: string[], input?: string): string {
  return execFileSync(
    cluster.kubectl,
    ['--kubeconfig', cluster.adminKubeconfig, ...args],
    {
      input,
      encoding: 'utf-8',
      stdio: ['pipe', 'pipe', 'pipe']
    }
  );
}

/** Applies YAML or JSON manifests as the admin. */
export function applyManifest(
  manifest: string | object,
  namespace = userNamespace
): void {
  const text =
    typeof manifest === 'string' ? manifest : JSON.stringify(manifest);
  kubectl(
    ['apply', '--server-side', '--force-conflicts', '-n', namespace, '-f', '-'],
    text
  );
}

/** Reads an object as JSON, or null when it does not exist. */
export function getObject(
  kind: string,
  name: string,
  namespace = userNamespace
): any | null {
  try {
    return JSON.parse(
      kubectl(['get', kind, name, '-n', namespace, '-o', 'json'])
    );
  } catch {
    return null;
  }
}

/** Deletes objects by kind and name (missing ones are fine) and waits until they are gone. */
export function deleteObjects(
  kind: string,
  names: string[],
  namespace = userNamespace
): void {
  if (names.length > 0) {
    kubectl([
      'delete',
      kind,
      ...names,
      '-n',
      namespace,
      '--ignore-not-found',
      '--wait=true',
      '--timeout=60s'
    ]);
  }
}
