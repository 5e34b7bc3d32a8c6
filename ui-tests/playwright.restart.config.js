/**
 * The Jupyter-server restart fault (issue 16): its test starts, stops and starts again its own
 * JupyterLab on port 8890 (never the main run's 8888), so only the chat's engine is started
 * here. Runs only the `*.restart.spec.ts` tests:
 *   npx playwright test -c playwright.restart.config.js
 */
const base = require('./playwright.config');

const PORT = 8890;

module.exports = {
  ...base,
  testMatch: '**/*.restart.spec.ts',
  testIgnore: [],
  outputDir: 'test-results/restart',
  reporter: [
    ['list'],
    ['html', { open: 'never', outputFolder: 'playwright-report/restart' }]
  ],
  use: {
    ...base.use,
    baseURL: `http://localhost:${PORT}`
  },
  webServer: base.webServer.filter(server => !server.url.includes(':8888'))
};
