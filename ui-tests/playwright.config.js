/**
 * Galata on top of Playwright, driving Debian's Chromium (no browser download here or in CI).
 */
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');

module.exports = {
  ...baseConfig,
  // Two cores: one JupyterLab, one browser, one test at a time.
  workers: 1,
  // The low-rights account's tests need their own JupyterLab (playwright.restricted.config.js),
  // and the Jupyter-server restart test runs its own (playwright.restart.config.js).
  testIgnore: ['**/*.restricted.spec.ts', '**/*.restart.spec.ts'],
  retries: 0,
  timeout: 90 * 1000,
  reporter: [['list'], ['html', { open: 'never' }]],
  use: {
    ...baseConfig.use,
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: [
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
        '--disable-sync'
      ]
    },
    trace: 'retain-on-failure',
    // Video needs Playwright's own ffmpeg download, which this network does not allow.
    video: 'off'
  },
  webServer: [
    {
      // The server's log is kept for scripts/secrets_scan.py (no token may reach it).
      command:
        'mkdir -p .scan && npm start 2>&1 | tee -a .scan/jupyter-server.log',
      url: 'http://localhost:8888/lab',
      timeout: 120 * 1000,
      reuseExistingServer: !process.env.CI
    },
    {
      // The chat's real OpenAI-compatible engine (llama.cpp, tiny model) on 127.0.0.1:18080.
      command: 'bash ../scripts/engine/engine.sh run',
      url: 'http://127.0.0.1:18080/v1/models',
      timeout: 120 * 1000,
      reuseExistingServer: true
    }
  ]
};
