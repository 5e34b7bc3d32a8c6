import { expect, test } from '@jupyterlab/galata';

import { cluster, userNamespace } from './helpers/cluster';
import { LwsHelper } from './helpers/LwsHelper';

test.describe('sidebar against the local cluster', () => {
  test('shows the namespace and the rights of default-editor', async ({
    page
  }) => {
    const lws = new LwsHelper(page);
    await lws.openSidebar();

    await expect(lws.namespace()).toHaveText(userNamespace);
    await expect(lws.lwsInstalled()).toContainText('installed (v1)');
    await expect(lws.permissionsOk()).toBeVisible();
    await expect(lws.missingRights()).toHaveCount(0);
    expect(cluster.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });
});
