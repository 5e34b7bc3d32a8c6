/**
 * The local cluster's API server as its admin, for benchmarks that must time API changes
 * precisely (kubectl's own start-up takes longer than what they measure): requests, watches
 * and the API server's metrics, over HTTPS with the admin kubeconfig's certificate files.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request as httpsRequest } from 'node:https';

/** An admin client of the cluster described by cluster.json (see lab.mjs readCluster). */
export function adminClient(cluster) {
  const kubeconfig = readFileSync(cluster.adminKubeconfig, 'utf-8');
  const file = key => {
    const match = kubeconfig.match(new RegExp(`^\\s*${key}: (.+)$`, 'm'));
    if (!match) {
      throw new Error(
        `${cluster.adminKubeconfig} has no ${key} file (the local cluster's admin kubeconfig names its certificate files)`
      );
    }
    return readFileSync(match[1].trim());
  };
  const agent = new Agent({
    ca: file('certificate-authority'),
    cert: file('client-certificate'),
    key: file('client-key'),
    keepAlive: true
  });
  const server = new URL(cluster.server);

  /** One request; resolves to { status, body } (body parsed when JSON). */
  function request(method, path, { body, contentType } = {}) {
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        {
          host: server.hostname,
          port: server.port,
          path,
          method,
          agent,
          headers: body
            ? { 'Content-Type': contentType ?? 'application/json' }
            : {}
        },
        res => {
          const chunks = [];
          res.on('data', chunk => chunks.push(chunk));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf-8');
            let parsed = text;
            if ((res.headers['content-type'] ?? '').includes('json')) {
              parsed = JSON.parse(text);
            }
            resolve({ status: res.statusCode, body: parsed });
          });
        }
      );
      req.on('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  }

  /**
   * A watch of `path` (with `?watch=1...`): calls onEvent(event, arrivedAtMs) per event;
   * returns a function that closes it.
   */
  function watch(path, onEvent) {
    let buffer = '';
    const req = httpsRequest(
      { host: server.hostname, port: server.port, path, agent },
      res => {
        res.setEncoding('utf-8');
        res.on('data', chunk => {
          const arrived = Date.now();
          buffer += chunk;
          let newline;
          while ((newline = buffer.indexOf('\n')) >= 0) {
            const line = buffer.slice(0, newline);
            buffer = buffer.slice(newline + 1);
            if (line.trim()) {
              onEvent(JSON.parse(line), arrived);
            }
          }
        });
      }
    );
    req.on('error', () => undefined); // closed by us
    req.end();
    return () => req.destroy();
  }

  /** `apiserver_request_total` as { 'VERB resource': count }, summed over codes and scopes. */
  async function requestCounts() {
    const { status, body } = await request('GET', '/metrics');
    if (status !== 200) {
      throw new Error(`GET /metrics answered ${status}`);
    }
    const counts = {};
    for (const line of body.split('\n')) {
      if (!line.startsWith('apiserver_request_total{')) {
        continue;
      }
      const labels = Object.fromEntries(
        [...line.matchAll(/(\w+)="([^"]*)"/g)].map(m => [m[1], m[2]])
      );
      const key = `${labels.verb} ${labels.resource}${labels.subresource ? '/' + labels.subresource : ''}`;
      counts[key] = (counts[key] ?? 0) + Number(line.split(' ').pop());
    }
    return counts;
  }

  /** kubectl as the admin, for bulk set-up and clean-up (not timed). */
  function kubectl(args, input) {
    return execFileSync(
      cluster.kubectl,
      ['--kubeconfig', cluster.adminKubeconfig, ...args],
      {
        input,
        encoding: 'utf-8',
        stdio: ['pipe', 'pipe', 'pipe'],
        maxBuffer: 256 * 1024 * 1024
      }
    );
  }

  return {
    request,
    watch,
    requestCounts,
    kubectl,
    close: () => agent.destroy()
  };
}

/** The difference of two requestCounts() readings, zero entries left out. */
export function countsBetween(before, after) {
  const delta = {};
  for (const [key, value] of Object.entries(after)) {
    const grown = value - (before[key] ?? 0);
    if (grown > 0) {
      delta[key] = grown;
    }
  }
  return delta;
}
