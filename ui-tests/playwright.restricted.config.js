/**
 * A second JupyterLab for the low-rights account (`LWS_TEST_ACCOUNT=restricted`: the
 * `view` role in its own namespace), on port 8889 so it never meets the main run's 8888.
 * Runs only the `*.restricted.spec.ts` tests:
 *   npx playwright test -c playwright.restricted.config.js
 */
const base = require('./playwright.config');

const PORT = 8889;

module.exports = {
  ...base,
  testMatch: '**/*.restricted.spec.ts',
  testIgnore: [],
  outputDir: 'test-results/restricted',
  reporter: [
    ['list'],
    ['html', { open: 'never', outputFolder: 'playwright-report/restricted' }]
  ],
  use: {
    ...base.use,
    // Galata's fixtures take the URL from `baseURL` (default http://localhost:8888).
    baseURL: `http://localhost:${PORT}`
  },
  webServer: {
    // Command-line options win over galata's `c.ServerApp.port = 8888` in the config file.
    // The log is kept for scripts/secrets_scan.py, as in playwright.config.js.
    command: `mkdir -p .scan && jupyter lab --config jupyter_server_test_config.py --ServerApp.port=${PORT} 2>&1 | tee -a .scan/jupyter-server-restricted.log`,
    url: `http://localhost:${PORT}/lab`,
    env: { ...process.env, LWS_TEST_ACCOUNT: 'restricted' },
    timeout: 120 * 1000,
    reuseExistingServer: false
  }
};
