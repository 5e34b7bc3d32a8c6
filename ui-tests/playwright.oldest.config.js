/**
 * The Galata subset (sidebar, form, deploy, chat) against the oldest supported JupyterLab: the
 * same specs and browser as playwright.config.js, with JupyterLab started from the virtual
 * environment scripts/compat.sh prepares (LWS_OLDEST_VENV).
 */
const path = require('path');
const baseConfig = require('./playwright.config');

const venv = process.env.LWS_OLDEST_VENV;
if (!venv) {
  throw new Error(
    'LWS_OLDEST_VENV is not set: run this config through scripts/compat.sh'
  );
}

// Its own port (as playwright.restricted.config.js), so it never meets a newest-JupyterLab 8888.
const PORT = 8890;

module.exports = {
  ...baseConfig,
  // yaml-lint: @codemirror/lint is bundled and must work with JupyterLab 4.2's CodeMirror.
  testMatch: [
    'sidebar.spec.ts',
    'new-deployment.spec.ts',
    'yaml-lint.spec.ts',
    'chat.spec.ts'
  ],
  outputDir: 'test-results/oldest',
  reporter: [['list']],
  use: {
    ...baseConfig.use,
    // Galata's fixtures take the URL from `baseURL` (default http://localhost:8888).
    baseURL: `http://localhost:${PORT}`
  },
  webServer: [
    {
      ...baseConfig.webServer[0],
      // Command-line options win over galata's `c.ServerApp.port = 8888` in the config file.
      command: `${path.join(venv, 'bin', 'jupyter')} lab --config jupyter_server_test_config.py --ServerApp.port=${PORT}`,
      url: `http://localhost:${PORT}/lab`,
      reuseExistingServer: false
    },
    {
      ...baseConfig.webServer[1],
      // The test engine's port follows LWS_ENGINE_PORT, as scripts/engine/engine.sh and the chat
      // spec do.
      url: `http://127.0.0.1:${process.env.LWS_ENGINE_PORT ?? 18080}/v1/models`
    }
  ]
};
