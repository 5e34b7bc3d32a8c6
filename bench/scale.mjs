#!/usr/bin/env node
/**
 * The sidebar at scale: 100 LeaderWorkerSets of 16 pods (1,600 pods) on the local cluster.
 *
 * Set-up, as the cluster admin: a namespace of its own (so other test runs in the user namespace
 * do not see 1,600 pods) with a `default-editor` account bound like the user's (edit plus the
 * guide's lws-manager role), and fake kwok nodes for the pods (the four GPU nodes hold 110 pods
 * each): BENCH_NODES nodes of 500 pods, tainted so no other pod lands there. The pods ask for no
 * GPU; the LWS restart policy is None so a simulated crash loop does not recreate the group.
 *
 * Then one JupyterLab (port 8899) as that account, one page in Debian's Chromium, and:
 *   1. the Jupyter server's memory with the sidebar closed (nothing watched), and the API
 *      server's requests over a quiet minute (`apiserver_request_total`, all clients) as baseline;
 *   2. the sidebar opened: time until all 100 rows show Ready, the server's memory with 1,600
 *      pods watched, and the API server's requests over a quiet minute, beside what the page
 *      itself sent to the extension in that minute (lists, watches);
 *   3. event to screen, p50/p95: an admin patch (HTTPS, timed from the moment it is sent) to
 *      (a) a LeaderWorkerSet's managed-by label, which the row shows as "external", and
 *      (b) a leader pod's simulated state (crash loop and back), which kwok turns into a pod
 *      status change that the row's state shows; for (b) also from the moment the pod's change
 *      reached a watch of this script (the API change) to the screen.
 * Everything it created is deleted at the end, also after a failure or Ctrl-C.
 *
 * usage: node bench/scale.mjs [--deployments 100] [--size 16] [--rounds 20] [--idle 60]
 * Needs the local cluster (bash scripts/cluster/cluster.sh up) and the extension installed.
 * Takes the UI lock (/tmp/lws-ui.lock) while JupyterLab and Chromium run.
 */
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { adminClient, countsBetween } from './kube.mjs';
import {
  holdUiLock,
  launchChromium,
  memoryOf,
  readCluster,
  startLab,
  stopLab
} from './lab.mjs';

const option = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const deployments = option('deployments', 100);
const size = option('size', 16);
const rounds = option('rounds', 20);
const idleSeconds = option('idle', 60);
const nodeCount = Number(process.env.BENCH_NODES ?? 4);
const podsPerNode = 500;
const port = 8899;
const namespace = 'lws-bench-scale';
const benchLabel = 'jupyterlab-lws.io/bench';
const taint = { key: benchLabel, value: 'scale', effect: 'NoSchedule' };
const managedBy = ['app.kubernetes.io/managed-by', 'jupyterlab-lws'];
const simState = 'sim.jupyterlab-lws.io/state';
const nodeNames = Array.from(
  { length: nodeCount },
  (_, i) => `lws-bench-node-${i + 1}`
);
const names = Array.from(
  { length: deployments },
  (_, i) => `bench-${String(i).padStart(3, '0')}`
);

if (deployments * size > nodeCount * podsPerNode) {
  throw new Error(
    `${deployments * size} pods do not fit on ${nodeCount} nodes of ${podsPerNode}: set BENCH_NODES`
  );
}

const cluster = readCluster();
const admin = adminClient(cluster);
try {
  admin.kubectl(['get', '--raw', '/readyz']);
} catch (error) {
  throw new Error(
    `the local cluster does not answer: bash scripts/cluster/cluster.sh up (${error.message})`
  );
}

const log = text =>
  console.error(`[scale ${new Date().toISOString().slice(11, 19)}] ${text}`);
const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};
const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

function node(name) {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: {
        'kwok.x-k8s.io/node': 'fake',
        'node.alpha.kubernetes.io/ttl': '0'
      },
      labels: {
        type: 'kwok',
        [benchLabel]: 'scale',
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64'
      }
    },
    spec: { taints: [taint] },
    status: {
      allocatable: { cpu: '512', memory: '4Ti', pods: String(podsPerNode) },
      capacity: { cpu: '512', memory: '4Ti', pods: String(podsPerNode) }
    }
  };
}

function leaderWorkerSet(name) {
  const podSpec = {
    nodeSelector: { [benchLabel]: 'scale' },
    tolerations: [{ ...taint, operator: 'Equal' }],
    containers: [
      {
        name: 'engine',
        image: 'vllm/vllm-openai:v0.10.2',
        command: ['vllm', 'serve', 'Qwen/Qwen3-8B', '--port', '8000'],
        resources: { requests: { cpu: '100m', memory: '128Mi' } }
      }
    ]
  };
  return {
    apiVersion: 'leaderworkerset.x-k8s.io/v1',
    kind: 'LeaderWorkerSet',
    metadata: { name, labels: { [benchLabel]: 'scale' } },
    spec: {
      replicas: 1,
      leaderWorkerTemplate: {
        size,
        restartPolicy: 'None',
        workerTemplate: { spec: podSpec }
      }
    }
  };
}

function account(dir) {
  const list = [
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: namespace, labels: { [benchLabel]: 'scale' } }
    },
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'default-editor', namespace }
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'default-editor-edit', namespace },
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: 'edit'
      },
      subjects: [{ kind: 'ServiceAccount', name: 'default-editor', namespace }]
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'lws-manager', namespace },
      rules: [
        {
          apiGroups: ['leaderworkerset.x-k8s.io'],
          resources: ['leaderworkersets'],
          verbs: ['create', 'update', 'patch', 'delete', 'get', 'list', 'watch']
        }
      ]
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'lws-manager-binding', namespace },
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'Role',
        name: 'lws-manager'
      },
      subjects: [{ kind: 'ServiceAccount', name: 'default-editor', namespace }]
    }
  ];
  admin.kubectl(
    ['apply', '-f', '-'],
    JSON.stringify({ apiVersion: 'v1', kind: 'List', items: list })
  );
  // Laid out like a pod's service-account mount, as the extension reads it.
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'token'),
    admin
      .kubectl([
        'create',
        'token',
        'default-editor',
        '-n',
        namespace,
        '--duration=2h'
      ])
      .trim()
  );
  const kubeconfig = readFileSync(cluster.adminKubeconfig, 'utf-8');
  const ca = kubeconfig.match(/^\s*certificate-authority: (.+)$/m)[1].trim();
  writeFileSync(join(dir, 'ca.crt'), readFileSync(ca));
  writeFileSync(join(dir, 'namespace'), namespace);
}

async function cleanUp() {
  log('deleting what the benchmark created');
  const run = args => {
    try {
      admin.kubectl(args);
    } catch (error) {
      console.error(`  ${args.join(' ')}: ${error.stderr ?? error.message}`);
    }
  };
  run([
    'delete',
    'namespace',
    namespace,
    '--ignore-not-found',
    '--timeout=600s'
  ]);
  run(['delete', 'node', ...nodeNames, '--ignore-not-found']);
}

/** Polls `ready()` every second until it is true; fails after `seconds`. */
async function until(what, seconds, ready) {
  const deadline = Date.now() + seconds * 1000;
  while (!(await ready())) {
    if (Date.now() > deadline) {
      throw new Error(`${what}: not within ${seconds} s`);
    }
    await sleep(1000);
  }
}

async function readyGroups() {
  const { body } = await admin.request(
    'GET',
    `/apis/leaderworkerset.x-k8s.io/v1/namespaces/${namespace}/leaderworkersets`
  );
  return body.items.filter(lws => lws.status?.readyReplicas === 1).length;
}

/** Counts what the page sends to the extension, by kind, from `since` on. */
// What the page sent: a REST URL, or `live <op> <resource or pod>` for a message on the live
// channel's WebSocket (a subscribe is a list and a watch upstream, unless the server's informer
// already runs).
function classify(url) {
  if (url.startsWith('live ')) {
    return url.split(' ').slice(0, 2).join(' ');
  }
  if (url.includes('/lws/api/watches') || /[?&]watch=(1|true)/.test(url)) {
    return 'watch';
  }
  if (/\/log(\?|$)/.test(url)) {
    return 'log';
  }
  const path = new URL(url).pathname;
  const last = path.split('/').pop();
  const plurals = [
    'pods',
    'leaderworkersets',
    'events',
    'services',
    'jobs',
    'persistentvolumeclaims',
    'resourcequotas'
  ];
  return plurals.includes(last) ? 'list' : 'other';
}

async function quietMinute(page, sent, label) {
  const before = await admin.requestCounts();
  const from = sent.length;
  await sleep(idleSeconds * 1000);
  const delta = countsBetween(before, await admin.requestCounts());
  const byVerb = {};
  for (const [key, count] of Object.entries(delta)) {
    const verb = key.split(' ')[0];
    byVerb[verb] = (byVerb[verb] ?? 0) + count;
  }
  const pageSent = {};
  for (const url of sent.slice(from)) {
    pageSent[classify(url)] = (pageSent[classify(url)] ?? 0) + 1;
  }
  const lists = Object.entries(delta)
    .filter(([key]) => key.startsWith('LIST '))
    .map(([key, count]) => `${key.slice(5)} ${count}`);
  return { label, byVerb, lists, pageSent };
}

async function timeToScreen(page, name, predicate, act) {
  await page.evaluate(
    ([name, predicate]) => {
      const row = () =>
        document.querySelector(`[data-testid="lws-deployment-${name}"]`);
      const tests = {
        external: () =>
          row()?.querySelector('.jp-lws-DeploymentRow-external') !== null &&
          row() !== null,
        managed: () =>
          row() !== null &&
          row().querySelector('.jp-lws-DeploymentRow-external') === null,
        notReady: () =>
          row() !== null && row().getAttribute('data-state') !== 'Ready',
        ready: () => row()?.getAttribute('data-state') === 'Ready'
      };
      window.__lwsBenchSeen = new Promise(resolve => {
        const observer = new MutationObserver(() => {
          if (tests[predicate]()) {
            observer.disconnect();
            // The next frame: when the change is on screen.
            requestAnimationFrame(() => resolve(Date.now()));
          }
        });
        observer.observe(document.body, {
          subtree: true,
          childList: true,
          attributes: true,
          characterData: true
        });
      });
    },
    [name, predicate]
  );
  const sentAt = Date.now();
  await act();
  const shownAt = await page.evaluate(() =>
    Promise.race([
      window.__lwsBenchSeen,
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error('not shown within 60 s')), 60_000)
      )
    ])
  );
  return { sentAt, shownAt };
}

async function patch(path, body) {
  const { status, body: answer } = await admin.request('PATCH', path, {
    body,
    contentType: 'application/merge-patch+json'
  });
  if (status !== 200) {
    throw new Error(`PATCH ${path}: ${status} ${JSON.stringify(answer)}`);
  }
}

const stats = values =>
  `p50 ${quantile(values, 0.5).toFixed(0)} ms, p95 ${quantile(values, 0.95).toFixed(0)} ms ` +
  `(min ${Math.min(...values)}, max ${Math.max(...values)}, n ${values.length})`;

async function main() {
  const started = Date.now();
  const work = mkdtempSync(join(tmpdir(), 'lws-bench-scale-'));
  log(`creating ${nodeCount} kwok nodes, namespace ${namespace}, account`);
  admin.kubectl(
    ['apply', '-f', '-'],
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: nodeNames.map(node)
    })
  );
  const accountDir = join(work, 'sa');
  account(accountDir);
  log(`creating ${deployments} LeaderWorkerSets of ${size} pods`);
  admin.kubectl(
    ['apply', '-n', namespace, '-f', '-'],
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: names.map(leaderWorkerSet)
    })
  );
  const createdAt = Date.now();
  await until('all groups Ready', 1800, async () => {
    const ready = await readyGroups();
    log(`  ${ready}/${deployments} groups Ready`);
    return ready === deployments;
  });
  const setUpSeconds = (Date.now() - createdAt) / 1000;

  log('waiting for the UI lock');
  const release = await holdUiLock();
  const labRoot = join(work, 'root');
  mkdirSync(labRoot);
  const lab = await startLab(
    { ...cluster, accounts: { editor: { dir: accountDir, namespace } } },
    { port, rootDir: labRoot }
  );
  const browser = await launchChromium();
  let closeWatch = () => undefined;
  try {
    const page = await browser.newPage({
      viewport: { width: 1600, height: 900 }
    });
    const sent = [];
    page.on('request', r => {
      if (r.url().includes('/lws/api/')) {
        sent.push(r.url());
      }
    });
    // When the first list of the namespace's pods has arrived in the page: a REST list, or the
    // snapshot of a pods subscription on the live channel (docs/live-channel.md).
    let podsListedAt = null;
    page.on('websocket', socket => {
      if (!socket.url().includes('/lws/api/live')) {
        return;
      }
      const podSubscriptions = new Set();
      socket.on('framesent', ({ payload }) => {
        const message = JSON.parse(String(payload));
        sent.push(
          `live ${message.op} ${message.resource ?? message.pod ?? message.id}`
        );
        if (message.op === 'subscribe' && message.resource === 'pods') {
          podSubscriptions.add(message.id);
        }
      });
      socket.on('framereceived', ({ payload }) => {
        const text = String(payload);
        if (podsListedAt !== null || !text.includes('"snapshot"')) {
          return;
        }
        const message = JSON.parse(text);
        if (message.type === 'snapshot' && podSubscriptions.has(message.id)) {
          podsListedAt = Date.now();
        }
      });
    });
    page.on('requestfinished', r => {
      const url = r.url();
      if (
        podsListedAt === null &&
        classify(url) === 'list' &&
        /\/pods(\?|$)/.test(url)
      ) {
        podsListedAt = Date.now();
      }
    });
    await page.goto(`http://127.0.0.1:${port}/lab?reset`);
    await page.waitForFunction(() => window.jupyterapp !== undefined, null, {
      timeout: 120_000
    });
    await page.evaluate(() => window.jupyterapp.restored);
    const closedMemory = memoryOf(lab.pid);
    log(`quiet ${idleSeconds} s, sidebar closed`);
    const closedMinute = await quietMinute(page, sent, 'sidebar closed');

    log('opening the sidebar');
    const openedAt = Date.now();
    await page.evaluate(() =>
      window.jupyterapp.commands.execute('lws:open-sidebar')
    );
    await page.waitForFunction(
      count =>
        document.querySelectorAll(
          '[data-testid^="lws-deployment-bench-"][data-state="Ready"]'
        ).length === count,
      deployments,
      { timeout: 300_000, polling: 100 }
    );
    const listedSeconds = (Date.now() - openedAt) / 1000;
    // The rows may come from the LeaderWorkerSets' status before the pods are in.
    await until('the pods listed', 300, () => podsListedAt !== null);
    const podsListedSeconds = (podsListedAt - openedAt) / 1000;
    // Main-thread tasks over 50 ms from now on: what keeps a change from the screen.
    await page.evaluate(() => {
      window.__lwsLongTasks = [];
      new PerformanceObserver(list =>
        list
          .getEntries()
          .forEach(entry => window.__lwsLongTasks.push(entry.duration))
      ).observe({ type: 'longtask' });
    });
    const longTasks = async () => {
      const tasks = await page.evaluate(() => window.__lwsLongTasks.splice(0));
      return tasks.length
        ? `${tasks.length} main-thread tasks over 50 ms, ${tasks.reduce((a, b) => a + b, 0).toFixed(0)} ms in all, longest ${Math.max(...tasks).toFixed(0)} ms, median ${quantile(tasks, 0.5).toFixed(0)} ms`
        : 'no main-thread task over 50 ms';
    };
    await sleep(5000); // late start-up requests (Services, quotas) settle
    const openMemory = memoryOf(lab.pid);
    log(`quiet ${idleSeconds} s, sidebar open`);
    const openMinute = await quietMinute(page, sent, 'sidebar open');
    const idleTasks = await longTasks();
    const roundsStarted = Date.now();

    log(`event to screen, ${rounds} rounds`);
    const lwsTimes = [];
    const podTimes = [];
    const podFromApi = [];
    // When each leader pod's change reached the API server's watchers.
    const podChanged = new Map();
    const { body: pods } = await admin.request(
      'GET',
      `/api/v1/namespaces/${namespace}/pods?limit=1`
    );
    closeWatch = admin.watch(
      `/api/v1/namespaces/${namespace}/pods?watch=1&resourceVersion=${pods.metadata.resourceVersion}` +
        '&labelSelector=leaderworkerset.sigs.k8s.io%2Fworker-index%3D0',
      (event, arrived) => {
        const pod = event.object;
        const ready = (pod.status?.conditions ?? []).some(
          c => c.type === 'Ready' && c.status === 'True'
        );
        const key = `${pod.metadata.name} ${ready ? 'ready' : 'notReady'}`;
        if (!podChanged.has(key)) {
          podChanged.set(key, arrived);
        }
      }
    );
    for (let i = 0; i < rounds; i++) {
      const name = names[(i * 37) % names.length];
      const lwsPath = `/apis/leaderworkerset.x-k8s.io/v1/namespaces/${namespace}/leaderworkersets/${name}`;
      for (const [predicate, value] of [
        ['managed', managedBy[1]],
        ['external', null]
      ]) {
        const { sentAt, shownAt } = await timeToScreen(
          page,
          name,
          predicate,
          () =>
            patch(lwsPath, { metadata: { labels: { [managedBy[0]]: value } } })
        );
        lwsTimes.push(shownAt - sentAt);
      }
      const pod = `${name}-0`;
      const podPath = `/api/v1/namespaces/${namespace}/pods/${pod}`;
      for (const [predicate, value, change] of [
        ['notReady', 'crash-loop', 'notReady'],
        ['ready', null, 'ready']
      ]) {
        podChanged.delete(`${pod} ${change}`);
        const { sentAt, shownAt } = await timeToScreen(
          page,
          name,
          predicate,
          () =>
            patch(podPath, { metadata: { annotations: { [simState]: value } } })
        );
        podTimes.push(shownAt - sentAt);
        const changedAt = podChanged.get(`${pod} ${change}`);
        if (changedAt !== undefined) {
          podFromApi.push(shownAt - changedAt);
        }
      }
    }
    const finalMemory = memoryOf(lab.pid);
    const roundTasks = await longTasks();
    const roundsSeconds = (Date.now() - roundsStarted) / 1000;

    const mb = m => `RSS ${m.rss.toFixed(0)} MB (peak ${m.peak.toFixed(0)} MB)`;
    console.log(
      `scale: ${deployments} LeaderWorkerSets x ${size} pods = ${deployments * size} pods ` +
        `on ${nodeCount} kwok nodes of ${podsPerNode} pods; ${new Date().toISOString().slice(0, 16)} UTC`
    );
    console.log(
      `  set-up: all groups Ready ${setUpSeconds.toFixed(0)} s after create`
    );
    console.log(
      `  sidebar opened -> all ${deployments} rows Ready: ${listedSeconds.toFixed(1)} s; ` +
        `the pods' first list in the page: ${podsListedSeconds.toFixed(1)} s`
    );
    console.log(
      `  Jupyter server memory: sidebar closed ${mb(closedMemory)}; ${deployments * size} pods watched ${mb(openMemory)}, ratio ${(openMemory.rss / closedMemory.rss).toFixed(2)}; after the patches ${mb(finalMemory)}`
    );
    for (const minute of [closedMinute, openMinute]) {
      console.log(
        `  API server requests in a quiet ${idleSeconds} s, ${minute.label} (all clients): ` +
          `${JSON.stringify(minute.byVerb)}; LIST by resource: ${minute.lists.join(', ') || 'none'}`
      );
      console.log(
        `    sent by the page to the extension in that time: ${JSON.stringify(minute.pageSent)}`
      );
    }
    console.log(
      `  event to screen, LeaderWorkerSet label patch -> row: ${stats(lwsTimes)}`
    );
    console.log(
      `  event to screen, pod state patch -> row (includes kwok's reaction): ${stats(podTimes)}`
    );
    if (podFromApi.length) {
      console.log(
        `  event to screen, pod change seen by a watch -> row: ${stats(podFromApi)}`
      );
    }
    console.log(
      `  browser, quiet ${idleSeconds} s with the sidebar open: ${idleTasks}`
    );
    console.log(
      `  browser, the ${roundsSeconds.toFixed(0)} s of patches: ${roundTasks}`
    );
    log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    closeWatch();
    await browser.close();
    await stopLab(lab);
    release();
  }
}

let cleaning = null;
const cleanOnce = () => (cleaning ??= cleanUp());
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, async () => {
    await cleanOnce();
    process.exit(130);
  });
}
try {
  await main();
} finally {
  await cleanOnce();
  admin.close();
}
