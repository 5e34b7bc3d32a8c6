import type { KubernetesObject } from '@kubernetes/client-node';

import type { IJsonPatchOperation } from '../model/deploymentActions';
import type { KubeClient } from './kube';
import { requestAPI } from './request';
import type { IResourceType } from './resources';
import { resourcePath } from './resources';

/**
 * Sends a JSON Patch (RFC 6902) to an object of the client's namespace: the patch type whose
 * `test` operations make a change conditional on exactly the fields it touches.
 */
export function jsonPatch<T extends KubernetesObject>(
  client: KubeClient,
  type: IResourceType,
  name: string,
  operations: IJsonPatchOperation[]
): Promise<T> {
  return requestAPI<T>(
    `k8s/${resourcePath(type, client.namespace, name)}`,
    {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/json-patch+json' },
      body: JSON.stringify(operations)
    },
    client.serverSettings
  );
}
