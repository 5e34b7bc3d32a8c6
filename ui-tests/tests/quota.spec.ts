import { expect, test } from '@jupyterlab/galata';

import { getObject, kubectl, userNamespace } from './helpers/cluster';
import { LwsHelper } from './helpers/LwsHelper';

/**
 * The form's quota line against a real ResourceQuota of the user's namespace (created here
 * as the admin, removed after), and the API server's own refusal of a pod over it.
 */
const QUOTA = 'lws-ui-gpu-quota';
/** A pod of the admin's that holds GPUs, so the quota has some in use. */
const HOLDER = 'lws-ui-quota-holder';
const NAME = 'quota-ui';
const GPU = 'requests.nvidia.com/gpu';

function gpuPod(name: string, gpus: number): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { 'app.kubernetes.io/part-of': 'lws-ui-quota' } },
    spec: {
      containers: [
        {
          name: 'hold',
          image: 'registry.invalid/hold:1',
          resources: { limits: { 'nvidia.com/gpu': String(gpus) } }
        }
      ]
    }
  };
}

/** GPUs the namespace's live pods request now (the quota's "used" once it is counted). */
function gpusInUse(): number {
  const pods = JSON.parse(
    kubectl(['get', 'pods', '-n', userNamespace, '-o', 'json'])
  ).items as any[];
  return pods
    .filter(pod => !['Succeeded', 'Failed'].includes(pod.status?.phase))
    .flatMap(pod => pod.spec.containers)
    .map(container =>
      Number(
        container.resources?.requests?.['nvidia.com/gpu'] ??
          container.resources?.limits?.['nvidia.com/gpu'] ??
          0
      )
    )
    .reduce((a, b) => a + b, 0);
}

function cleanUp(): void {
  kubectl([
    'delete',
    'pod',
    HOLDER,
    '-n',
    userNamespace,
    '--ignore-not-found',
    '--grace-period=0',
    '--force'
  ]);
  kubectl([
    'delete',
    'resourcequota',
    QUOTA,
    '-n',
    userNamespace,
    '--ignore-not-found'
  ]);
}

test.describe('quota before deploy', () => {
  let hard = 0;
  let used = 0;

  test.beforeAll(async () => {
    cleanUp();
    kubectl(
      ['create', '-n', userNamespace, '-f', '-'],
      JSON.stringify(gpuPod(HOLDER, 8))
    );
    used = gpusInUse();
    // Room for 24 more GPUs: 2 x 8 fits, 4 x 8 does not.
    hard = used + 24;
    kubectl(
      ['create', '-n', userNamespace, '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'ResourceQuota',
        metadata: { name: QUOTA },
        spec: { hard: { [GPU]: String(hard) } }
      })
    );
    // The quota controller fills in status.used; until then admission has no usage to add to.
    await expect
      .poll(() => getObject('resourcequota', QUOTA)?.status?.used?.[GPU], {
        timeout: 30000
      })
      .toBe(String(used));
  });
  test.afterAll(cleanUp);

  test('the API server refuses a pod over the quota', () => {
    let refusal = '';
    try {
      kubectl(
        ['create', '-n', userNamespace, '-f', '-'],
        JSON.stringify(gpuPod('lws-ui-quota-over', 32))
      );
    } catch (error) {
      refusal = String((error as { stderr?: string }).stderr ?? error);
    }
    expect(refusal).toContain('exceeded quota');
    expect(refusal).toContain(QUOTA);
    expect(getObject('pod', 'lws-ui-quota-over')).toBeNull();
  });

  test('the form shows the quota and warns before applying over it', async ({
    page
  }) => {
    const form = new LwsHelper(page).newDeployment();
    await form.openFromLauncher();
    await form.fill('model', 'meta-llama/Llama-3.3-70B-Instruct');
    await form.fill('name', NAME);
    await form.fill('nodes', '2');
    await form.fill('gpusPerNode', '8');
    const quota = form.panel.getByTestId('lws-quota');
    await expect(quota.getByTestId('lws-quota-gpus')).toHaveText(
      `This deployment needs 16 GPUs; your quota has ${hard}, ${used} in use (${GPU} of ResourceQuota ${QUOTA}).`
    );
    await expect(quota.getByTestId('lws-quota-warning')).toHaveCount(0);

    await form.fill('nodes', '4');
    await expect(quota.getByTestId('lws-quota-gpus')).toContainText(
      'This deployment needs 32 GPUs'
    );
    await expect(quota.getByTestId('lws-quota-warning')).toContainText(
      'Over quota'
    );

    await form.deployButton().click();
    const dialog = page.getByTestId('lws-quota-dialog');
    await expect(dialog).toContainText(
      `This deployment needs 32 GPUs; your quota has ${hard}, ${used} in use`
    );
    await page
      .locator('.jp-Dialog')
      .getByRole('button', { name: 'Cancel' })
      .click();
    await expect(dialog).toHaveCount(0);
    expect(
      getObject('leaderworkersets.leaderworkerset.x-k8s.io', NAME)
    ).toBeNull();
  });

  test('without a quota the form says so', async ({ page }) => {
    cleanUp();
    const form = new LwsHelper(page).newDeployment();
    await form.openFromLauncher();
    await form.fill('model', 'meta-llama/Llama-3.3-70B-Instruct');
    await form.fill('name', NAME);
    await expect(form.panel.getByTestId('lws-quota')).toHaveText(
      'The namespace has no ResourceQuota: only free GPUs on the nodes limit this deployment.'
    );
  });
});
