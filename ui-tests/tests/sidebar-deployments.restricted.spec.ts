/**
 * The sidebar's deployments as the low-rights account (the `view` role, which has no right on
 * LeaderWorkerSets), in its own JupyterLab: npx playwright test -c playwright.restricted.config.js
 */
import { expect, test } from '@jupyterlab/galata';

import { cluster } from './helpers/cluster';
import { LwsHelper } from './helpers/LwsHelper';

const NAMESPACE = cluster.accounts.restricted.namespace;

test.describe('sidebar deployments as the read-only account', () => {
  test('says the account may not watch deployments instead of loading forever', async ({
    page
  }) => {
    const lws = new LwsHelper(page);
    await lws.openSidebar();
    await expect(lws.namespace()).toHaveText(NAMESPACE);
    await expect(lws.missingRights()).toContainText('leaderworkersets');
    await expect(lws.deployments().forbidden()).toHaveText(
      `Your service account may not watch LeaderWorkerSets in ${NAMESPACE}, so no deployment can be shown. The rights above list what an admin grants.`
    );
    await expect(
      lws.deployments().sidebar.getByTestId('lws-list-loading')
    ).toHaveCount(0);
  });
});
