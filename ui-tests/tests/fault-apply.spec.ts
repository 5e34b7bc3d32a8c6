/**
 * Fault (issue 16): an apply that fails after its dry run passed. The test lets the form's
 * dry runs through, holds the real apply of the Service (the last object), and while it is
 * held makes the cluster refuse it for real: a ValidatingAdmissionPolicy and its binding that
 * deny a Service of this name. The form must roll back what it created (the Secret and the
 * LeaderWorkerSet) on the real API server and say exactly what exists.
 */
import { expect, test } from '@jupyterlab/galata';

import {
  applyManifest,
  deleteObjects,
  getObject,
  kubectl,
  userNamespace
} from './helpers/cluster';
import { LWS, NAME_LABEL } from './helpers/fixtures';
import { saveBrowserState } from './helpers/browserState';
import { LwsHelper } from './helpers/LwsHelper';

const NAME = 'fault-apply';
const SERVICE = `${NAME}-leader`;
const SECRET = `${NAME}-hf-token`;
/** A made-up token: it must reach the Secret and nowhere else (scripts/secrets-scan.sh). */
const TOKEN = 'hf_faultApplyTokenNeverShown42';
/** Policy and binding: cluster-scoped, named after the test so a rerun replaces them. */
const POLICY = 'jupyterlab-lws-test-deny-fault-apply';
const DENIAL = `the test denies the Service ${SERVICE}`;

function removePolicy(): void {
  deleteObjects('validatingadmissionpolicybindings', [POLICY], 'default');
  deleteObjects('validatingadmissionpolicies', [POLICY], 'default');
}

function cleanUp(): void {
  removePolicy();
  deleteObjects(LWS, [NAME]);
  deleteObjects('services', [SERVICE]);
  deleteObjects('secrets', [SECRET]);
}

/** Denies creating or updating the Service `SERVICE` in the user's namespace, for everyone. */
function denyTheService(): void {
  applyManifest({
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name: POLICY },
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: {
        resourceRules: [
          {
            apiGroups: [''],
            apiVersions: ['v1'],
            operations: ['CREATE', 'UPDATE'],
            resources: ['services']
          }
        ]
      },
      validations: [
        {
          expression: `object.metadata.name != '${SERVICE}'`,
          message: DENIAL
        }
      ]
    }
  });
  applyManifest({
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name: POLICY },
    spec: {
      policyName: POLICY,
      validationActions: ['Deny'],
      matchResources: {
        namespaceSelector: {
          matchLabels: { 'kubernetes.io/metadata.name': userNamespace }
        }
      }
    }
  });
}

/** True once the API server enforces the policy (it loads policies asynchronously). */
function policyEnforced(): boolean {
  try {
    kubectl([
      'create',
      'service',
      'clusterip',
      SERVICE,
      '--tcp=8080',
      '-n',
      userNamespace,
      '--dry-run=server'
    ]);
    return false;
  } catch (error) {
    return String((error as { stderr?: string }).stderr).includes(DENIAL);
  }
}

test.describe('an apply that fails after its dry run passed', () => {
  test.beforeAll(cleanUp);
  test.afterAll(cleanUp);

  test('the form rolls back on the real API server and says what exists', async ({
    page
  }) => {
    const form = new LwsHelper(page).newDeployment();
    const applies: string[] = [];
    await page.route(
      `**/lws/api/k8s/api/v1/namespaces/${userNamespace}/services/${SERVICE}?*`,
      async route => {
        const url = new URL(route.request().url());
        if (
          route.request().method() === 'PATCH' &&
          !url.searchParams.has('dryRun')
        ) {
          applies.push(url.pathname);
          denyTheService();
          await expect.poll(policyEnforced, { timeout: 20_000 }).toBe(true);
        }
        await route.continue();
      }
    );

    await form.openFromSidebar();
    await form.fill('model', 'meta-llama/Llama-3.1-8B-Instruct');
    await form.fill('name', NAME);
    await form.fill('nodes', '2');
    await form.fill('gpusPerNode', '1');
    await form.fillToken(TOKEN);
    await expect(form.deployButton()).toBeEnabled();
    await form.deployButton().click();

    await expect(form.applyStatus()).toHaveAttribute('data-status', 'failed', {
      timeout: 60_000
    });
    expect(applies).toHaveLength(1);
    await expect(form.applyStatus()).toContainText(
      'Deploying failed after the dry run passed. What this deploy changed was rolled back; this is what exists now:'
    );
    // One item per object (a refusal's causes are a nested list).
    const objects = form.panel
      .getByTestId('lws-apply-objects')
      .locator(':scope > li');
    await expect(objects).toHaveText([
      `Secret ${SECRET} does not exist: created, then removed by the rollback`,
      `LeaderWorkerSet ${NAME} does not exist: created, then removed by the rollback`,
      new RegExp(
        `^Service ${SERVICE} does not exist: it was not created.*${DENIAL}`
      )
    ]);
    await expect(objects.nth(2)).toContainText(
      `The cluster’s admission policy ${POLICY} rejected it.`
    );
    await expect(objects.nth(2)).toHaveAttribute('data-state', 'not-applied');
    expect(await page.content()).not.toContain(TOKEN);
    // For scripts/secrets_scan.py: the token must be nowhere in what the browser kept.
    await saveBrowserState(page, 'fault-apply-token');

    // The real API server agrees: nothing of the deployment is left, not even its pods.
    expect(getObject('secret', SECRET)).toBeNull();
    expect(getObject(LWS, NAME)).toBeNull();
    expect(getObject('service', SERVICE)).toBeNull();
    kubectl([
      'wait',
      '--for=delete',
      'pod',
      '-l',
      `${NAME_LABEL}=${NAME}`,
      '-n',
      userNamespace,
      '--timeout=60s'
    ]);
    expect(
      kubectl([
        'get',
        'pods,statefulsets,services,secrets',
        '-n',
        userNamespace,
        '-o',
        'name'
      ])
    ).not.toContain(NAME);
  });
});
