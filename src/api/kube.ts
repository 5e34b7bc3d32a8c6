import type { ServerConnection } from '@jupyterlab/services';
import type {
  KubernetesListObject,
  KubernetesObject
} from '@kubernetes/client-node';

import type { IJsonPatchOperation } from '../model/deploymentActions';
import { requestAPI, requestRaw } from './request';
import type { IResourceType } from './resources';
import { queryString, resourcePath, resourceTypeOf } from './resources';

/** The field manager of every server-side apply made by the extension. */
export const FIELD_MANAGER = 'jupyterlab-lws';

/** Options of a server-side apply. */
export interface IApplyOptions {
  /** Validate and admit on the server (webhooks included) without persisting. */
  dryRun?: boolean;
  /** Take ownership of fields another manager set (the user confirmed replacing). */
  force?: boolean;
}

/** The answer to a server-side apply: the object, and whether the request created it. */
export interface IApplyResult<T extends KubernetesObject = KubernetesObject> {
  object: T;
  /** True for `201 Created` (also in a dry run: the object does not exist yet). */
  created: boolean;
}

/** Options of a log request (the Kubernetes log API's). */
export interface ILogOptions {
  container?: string;
  follow?: boolean;
  tailLines?: number;
  previous?: boolean;
  timestamps?: boolean;
  /** RFC 3339 time of the first line wanted (a resumed follow). */
  sinceTime?: string;
}

/**
 * A client for the user's namespace, through the server extension's allow-listed proxy.
 *
 * #### Notes
 * The browser never holds the service-account token: every call goes to
 * `lws/api/k8s/<kubernetes path>` and the Jupyter server adds the credentials.
 */
export class KubeClient {
  constructor(
    readonly namespace: string,
    readonly serverSettings: ServerConnection.ISettings
  ) {}

  /** Lists the objects of a resource type, with the list's resourceVersion for a watch. */
  async list<T extends KubernetesObject>(
    type: IResourceType,
    params: { labelSelector?: string; fieldSelector?: string } = {}
  ): Promise<KubernetesListObject<T>> {
    return requestAPI<KubernetesListObject<T>>(
      this.k8sPath(resourcePath(type, this.namespace), params),
      { method: 'GET' },
      this.serverSettings
    );
  }

  /** Reads one object. */
  async get<T extends KubernetesObject>(
    type: IResourceType,
    name: string
  ): Promise<T> {
    return requestAPI<T>(
      this.k8sPath(resourcePath(type, this.namespace, name)),
      { method: 'GET' },
      this.serverSettings
    );
  }

  /**
   * Server-side apply of a manifest (`fieldValidation=Strict`, so a misspelt field is an error
   * rather than silently dropped). `created` is true for `201 Created` (in a dry run too: the
   * object does not exist yet).
   */
  async apply<T extends KubernetesObject>(
    manifest: T,
    options: IApplyOptions = {}
  ): Promise<IApplyResult<T>> {
    const type = resourceTypeOf(manifest.apiVersion ?? '', manifest.kind ?? '');
    const name = manifest.metadata?.name ?? '';
    const response = await requestRaw(
      this.k8sPath(resourcePath(type, this.namespace, name), {
        fieldManager: FIELD_MANAGER,
        fieldValidation: 'Strict',
        force: options.force ? 'true' : undefined,
        dryRun: options.dryRun ? 'All' : undefined
      }),
      {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/apply-patch+yaml' },
        body: JSON.stringify(manifest)
      },
      this.serverSettings
    );
    const text = await response.text();
    return {
      object: (text ? JSON.parse(text) : {}) as T,
      created: response.status === 201
    };
  }

  /** Merge-patches an object (e.g. a replica count). */
  async patch<T extends KubernetesObject>(
    type: IResourceType,
    name: string,
    patch: unknown,
    subresource?: string
  ): Promise<T> {
    return requestAPI<T>(
      this.k8sPath(resourcePath(type, this.namespace, name, subresource)),
      {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/merge-patch+json' },
        body: JSON.stringify(patch)
      },
      this.serverSettings
    );
  }

  /**
   * Sends a JSON Patch (RFC 6902): the patch type whose `test` operations make a change
   * conditional on exactly the fields it touches.
   */
  async jsonPatch<T extends KubernetesObject>(
    type: IResourceType,
    name: string,
    operations: IJsonPatchOperation[]
  ): Promise<T> {
    return requestAPI<T>(
      this.k8sPath(resourcePath(type, this.namespace, name)),
      {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/json-patch+json' },
        body: JSON.stringify(operations)
      },
      this.serverSettings
    );
  }

  /** Deletes an object; dependents go with it in the background (garbage collector). */
  async delete(type: IResourceType, name: string): Promise<void> {
    await requestAPI(
      this.k8sPath(resourcePath(type, this.namespace, name), {
        propagationPolicy: 'Background'
      }),
      { method: 'DELETE' },
      this.serverSettings
    );
  }

  private k8sPath(
    path: string,
    params: Record<string, string | number | boolean | undefined> = {}
  ): string {
    return `k8s/${path}${queryString(params)}`;
  }
}
