/**
 * The sidebar's deployments against the local cluster: LeaderWorkerSets made with kubectl by
 * the fixtures, pods driven through their states by kwok's stages (scripts/cluster/manifests/
 * stages.yaml), container logs served by kwok's Logs objects from files the tests write.
 */
import { expect, test } from '@jupyterlab/galata';
import { appendFileSync, copyFileSync, mkdirSync, readFileSync } from 'fs';
import type { Server } from 'http';
import { createServer } from 'http';
import type { AddressInfo } from 'net';
import { join } from 'path';

import {
  applyManifest,
  deleteObjects,
  getObject,
  kubectl,
  userNamespace
} from './helpers/cluster';
import {
  corpusTranscript,
  criLines,
  LWS,
  NAME_LABEL,
  remove,
  serveLog,
  SIM_STATE
} from './helpers/fixtures';
import { LwsHelper } from './helpers/LwsHelper';

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';

/** What a fixture deployment looks like. */
interface IFixture {
  name: string;
  /** The model id in the command line (default: an 8B Llama). */
  model?: string;
  /** Pods per group. */
  size?: number;
  replicas?: number;
  gpus?: number;
  /** Pod template annotations (kwok simulation switches). */
  podAnnotations?: Record<string, string>;
  ncclDebug?: boolean;
  /** Made by the extension: our labels on the LWS and an API Service `<name>-leader`. */
  managed?: boolean;
  /** The Service's port (the endpoint proxy reaches 127.0.0.1:<port> in tests). */
  servicePort?: number;
  /**
   * `None` for crash loops: under RecreateGroupOnPodRestart the LWS controller recreates the
   * group at each restart, and kwok's crash-loop stage reports restarts at once.
   */
  restartPolicy?: 'RecreateGroupOnPodRestart' | 'None';
  /** Secrets the pods read (key `token`), e.g. an HF token. */
  secrets?: string[];
}

/** A vLLM deployment in the guide's Ray style, as a user would write it with kubectl. */
function deploymentManifests(fixture: IFixture): object[] {
  const { name } = fixture;
  const labels = fixture.managed
    ? {
        'app.kubernetes.io/name': 'vllm',
        'app.kubernetes.io/instance': name,
        'app.kubernetes.io/managed-by': 'jupyterlab-lws'
      }
    : {};
  const env = [
    ...(fixture.secrets ?? []).map((secret, index) => ({
      name: index === 0 ? 'HF_TOKEN' : `TOKEN_${index}`,
      valueFrom: { secretKeyRef: { name: secret, key: 'token' } }
    })),
    { name: 'HF_HOME', value: '/models' },
    ...(fixture.ncclDebug ? [{ name: 'NCCL_DEBUG', value: 'INFO' }] : [])
  ];
  const pod = (role: 'leader' | 'worker', command: string) => ({
    metadata: {
      annotations: {
        'sidecar.istio.io/inject': 'false',
        ...fixture.podAnnotations
      }
    },
    spec: {
      containers: [
        {
          name: `vllm-${role}`,
          image: 'vllm/vllm-openai:v0.10.2',
          command: ['sh', '-c', command],
          env,
          resources: {
            limits: { 'nvidia.com/gpu': String(fixture.gpus ?? 1) }
          },
          ...(role === 'leader' ? { ports: [{ containerPort: 8080 }] } : {}),
          volumeMounts: [{ name: 'model-storage', mountPath: '/models' }]
        }
      ],
      volumes: [
        {
          name: 'model-storage',
          persistentVolumeClaim: { claimName: 'models-pvc' }
        }
      ]
    }
  });
  const size = fixture.size ?? 2;
  const objects: object[] = [
    {
      apiVersion: 'leaderworkerset.x-k8s.io/v1',
      kind: 'LeaderWorkerSet',
      metadata: { name, labels },
      spec: {
        replicas: fixture.replicas ?? 1,
        leaderWorkerTemplate: {
          size,
          restartPolicy: fixture.restartPolicy ?? 'RecreateGroupOnPodRestart',
          leaderTemplate: pod(
            'leader',
            `bash /vllm-workspace/examples/online_serving/multi-node-serving.sh leader --ray_cluster_size=$(LWS_GROUP_SIZE); python3 -m vllm.entrypoints.openai.api_server --port 8080 --model ${fixture.model ?? MODEL} --tensor-parallel-size ${fixture.gpus ?? 1} --pipeline_parallel_size ${size}`
          ),
          workerTemplate: pod(
            'worker',
            'bash /vllm-workspace/examples/online_serving/multi-node-serving.sh worker --ray_address=$(LWS_LEADER_ADDRESS)'
          )
        }
      }
    }
  ];
  if (fixture.managed) {
    objects.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: `${name}-leader`, labels },
      spec: {
        selector: {
          [NAME_LABEL]: name,
          'leaderworkerset.sigs.k8s.io/worker-index': '0'
        },
        ports: [
          {
            name: 'http',
            port: fixture.servicePort ?? 8080,
            targetPort: 8080
          }
        ]
      }
    });
  }
  return objects;
}

function deploy(fixture: IFixture): void {
  for (const object of deploymentManifests(fixture)) {
    applyManifest(object);
  }
}

/** Moves every pod of a deployment to a simulated state (absent: Ready). */
function setPodState(name: string, state: string | null): void {
  kubectl([
    'annotate',
    'pod',
    '-l',
    `${NAME_LABEL}=${name}`,
    '-n',
    userNamespace,
    '--overwrite',
    state === null ? `${SIM_STATE}-` : `${SIM_STATE}=${state}`
  ]);
}

function podUid(pod: string): string | null {
  return getObject('pod', pod)?.metadata?.uid ?? null;
}

const shardLines = (done: number, total: number) =>
  Array.from({ length: done + 1 }, (_, i) => {
    const percent = Math.floor((i * 100) / total);
    return `Loading safetensors checkpoint shards: ${String(percent).padStart(3)}% Completed | ${i}/${total} [00:${String(i).padStart(2, '0')}<00:30,  1.40s/it]`;
  });

test.describe('sidebar deployments against the local cluster', () => {
  test('a deployment created with kubectl appears live and turns Ready without a reload', async ({
    page
  }) => {
    const name = 'ui-live';
    remove(name);
    const lws = new LwsHelper(page);
    const deployments = lws.deployments();
    await lws.openSidebar();
    await expect(
      deployments.sidebar.getByTestId('lws-deployments')
    ).toBeVisible();
    await expect(deployments.row(name)).toHaveCount(0);
    await page.evaluate(() => ((window as any).lwsNoReload = true));

    serveLog(`${name}-0`, 'vllm-leader', [
      'INFO 12-24 16:00:43 api_server.py:1351] vLLM API server version 0.10.2',
      ...shardLines(14, 30)
    ]);
    deploy({ name, podAnnotations: { [SIM_STATE]: 'loading' } });

    await expect(deployments.row(name)).toBeVisible();
    await expect(deployments.row(name)).toContainText('vllm');
    await expect(deployments.row(name)).toContainText(MODEL);
    await expect(deployments.row(name)).toContainText('external');
    await expect(deployments.row(name)).toHaveAttribute(
      'data-state',
      'Loading',
      {
        timeout: 30_000
      }
    );
    await expect(deployments.rowState(name)).toHaveText('Loading model');
    await expect(deployments.rowProgress(name)).toContainText(
      'Loading weights: 14 of 30 shards (46%)'
    );
    await expect(deployments.rowReady(name)).toHaveText('0/1 ready');
    await expect(deployments.rowGpus(name)).toHaveText('2/2 GPUs');

    setPodState(name, null);

    await expect(deployments.row(name)).toHaveAttribute('data-state', 'Ready', {
      timeout: 30_000
    });
    await expect(deployments.rowReady(name)).toHaveText('1/1 ready');
    await expect(deployments.rowProgress(name)).toHaveCount(0);
    expect(await page.evaluate(() => (window as any).lwsNoReload)).toBe(true);

    remove(name);
    await expect(deployments.row(name)).toHaveCount(0, { timeout: 30_000 });
  });

  test('the detail shows groups, events and the endpoint; logs stream live, filter and download', async ({
    page
  }) => {
    const name = 'ui-detail';
    remove(name);
    const engine = await answeringEngine();
    try {
      const logLines = Array.from({ length: 3000 }, (_, i) =>
        i % 100 === 0
          ? `${name}-0:1:1 [0] NCCL INFO NET/IB : Using [0]mlx5_0:1/RoCE [RO]; OOB net1:fd00::${i}`
          : `INFO 12-24 16:00:43 engine line ${i}`
      );
      const file = serveLog(`${name}-0`, 'vllm-leader', logLines);
      deploy({
        name,
        managed: true,
        ncclDebug: true,
        servicePort: engine.port
      });
      const lws = new LwsHelper(page);
      const deployments = lws.deployments();
      await lws.openSidebar();
      await expect(deployments.row(name)).toHaveAttribute(
        'data-state',
        'Ready',
        {
          timeout: 30_000
        }
      );

      await deployments.open(name);
      await expect(deployments.detail()).toHaveAttribute('data-name', name);
      await expect(deployments.reason()).toHaveText('The model is served.');
      await expect(deployments.group(0)).toHaveAttribute('data-ready', 'true');
      for (const pod of [`${name}-0`, `${name}-0-1`]) {
        await expect(deployments.pod(pod)).toHaveAttribute(
          'data-ready',
          'true'
        );
        await expect(deployments.pod(pod)).toContainText(
          /gpu-node-\d · 1 GPU · 0 restarts/
        );
      }
      await expect(deployments.pod(`${name}-0`)).toContainText('leader');
      await expect(deployments.pod(`${name}-0-1`)).toContainText('worker 1');
      await expect(deployments.events().first()).toBeVisible();
      await expect(deployments.endpointService()).toHaveText(
        `${name}-leader:${engine.port}`
      );
      await expect(deployments.endpointAnswer()).toHaveText(
        'answers (HTTP 200)'
      );
      expect(engine.paths).toContain('/health');

      await page
        .context()
        .grantPermissions(['clipboard-read', 'clipboard-write']);
      await deployments.action('copy-curl').click();
      await expect(deployments.actionResult()).toHaveText(
        `Copied a curl smoke test for ${name}: run it in a notebook terminal.`
      );
      const curl = await page.evaluate(() => navigator.clipboard.readText());
      expect(curl).toContain(
        `curl -sS http://${name}-leader.${userNamespace}.svc.cluster.local:${engine.port}/v1/chat/completions`
      );
      expect(curl).toContain(`"model":"${MODEL}"`);

      await deployments.action('logs').click();
      await expect(deployments.logs()).toBeVisible();
      await expect(deployments.logStatus()).toContainText('Following live');
      await expect(deployments.logScroller()).toHaveAttribute(
        'data-count',
        '3000'
      );
      // Only the visible window is in the DOM, however long the log.
      expect(await deployments.logLines().count()).toBeLessThan(200);
      await expect(deployments.logLines().last()).toHaveText(
        'INFO 12-24 16:00:43 engine line 2999'
      );

      appendFileSync(
        file,
        criLines(['INFO a line written after the view opened'])
      );
      await expect(deployments.logScroller()).toHaveAttribute(
        'data-count',
        '3001'
      );
      await expect(deployments.logLines().last()).toHaveText(
        'INFO a line written after the view opened'
      );

      await deployments.searchLog('net/ib');
      await expect(deployments.logScroller()).toHaveAttribute(
        'data-count',
        '30'
      );
      await expect(deployments.logStatus()).toContainText(
        '30 of 3001 lines match'
      );
      await expect(deployments.logLines().first()).toContainText(
        'NCCL INFO NET/IB'
      );

      const download = await deployments.downloadLog();
      expect(download.suggestedFilename()).toBe(`${name}-0.log`);
      const saved = readFileSync(await download.path(), 'utf-8');
      expect(saved.split('\n')).toHaveLength(3002);
      expect(saved).toContain('engine line 1234');
    } finally {
      engine.server.close();
      remove(name);
    }
  });

  test('a 100 000-line log keeps a bounded tail and stays responsive', async ({
    page
  }) => {
    const name = 'ui-biglog';
    remove(name);
    const file = serveLog(
      `${name}-0`,
      'vllm-leader',
      Array.from({ length: 100_000 }, (_, i) => `INFO engine line ${i}`)
    );
    deploy({ name });
    const lws = new LwsHelper(page);
    const deployments = lws.deployments();
    await lws.openSidebar();
    try {
      await expect(deployments.row(name)).toHaveAttribute(
        'data-state',
        'Ready',
        {
          timeout: 30_000
        }
      );
      await deployments.open(name);
      await deployments.action('logs').click();
      // The view asks for the newest logTailLines (default 5000) lines, not all of them.
      await expect(deployments.logScroller()).toHaveAttribute(
        'data-count',
        '5000'
      );
      await expect(deployments.logLines().last()).toHaveText(
        'INFO engine line 99999'
      );

      appendFileSync(
        file,
        criLines(Array.from({ length: 2000 }, (_, i) => `INFO later line ${i}`))
      );
      await expect(deployments.logLines().last()).toHaveText(
        'INFO later line 1999'
      );
      await expect(deployments.logScroller()).toHaveAttribute(
        'data-count',
        '5000'
      );
      await expect(deployments.logStatus()).toContainText(
        'older lines dropped (keeps the newest 5000)'
      );
      expect(await deployments.logLines().count()).toBeLessThan(200);

      const started = Date.now();
      await deployments.searchLog('later line 1234');
      await expect(deployments.logScroller()).toHaveAttribute(
        'data-count',
        '1'
      );
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      remove(name);
    }
  });

  test('an unschedulable deployment shows insufficient-gpu with its fix', async ({
    page
  }) => {
    const name = 'ui-toobig';
    remove(name);
    // The fake nodes have 8 GPUs each: no node can take a 16-GPU pod.
    deploy({ name, gpus: 16 });
    const lws = new LwsHelper(page);
    const deployments = lws.deployments();
    await lws.openSidebar();
    try {
      await expect(deployments.row(name)).toHaveAttribute(
        'data-state',
        'Scheduling',
        { timeout: 30_000 }
      );
      await expect(deployments.rowDiagnosis(name)).toHaveAttribute(
        'data-diagnosis-id',
        'insufficient-gpu'
      );
      await expect(deployments.rowGpus(name)).toHaveText('0/32 GPUs');

      await deployments.open(name);
      await expect(deployments.reason()).toContainText(
        'waits for a node with enough free resources'
      );
      await expect(deployments.diagnosis('insufficient-gpu')).toContainText(
        'Not enough free GPUs on any node'
      );
      await expect(deployments.diagnosisFix('insufficient-gpu')).toContainText(
        'The deployment asks for 16 GPUs per pod'
      );
      await expect(deployments.diagnosis('insufficient-gpu')).toContainText(
        'Insufficient nvidia.com/gpu'
      );
      await expect(
        deployments.events().filter({ hasText: 'FailedScheduling' }).first()
      ).toHaveAttribute('data-type', 'Warning');

      // The detail is a main-area tab; the sidebar keeps the list, the row marked current.
      await expect(deployments.tab(name)).toBeVisible();
      await expect(deployments.rowButton(name)).toHaveAttribute(
        'aria-current',
        'true'
      );
      await expect(deployments.list()).toBeVisible();
    } finally {
      remove(name);
    }
  });

  test('a crash-looping deployment is diagnosed from its log', async ({
    page
  }) => {
    const name = 'ui-crash';
    remove(name);
    // A real vLLM transcript: CUDA out of memory while loading (see the corpus' SOURCES.md).
    const transcript = corpusTranscript('gpu-oom--vllm-15598.txt');
    serveLog(`${name}-0`, 'vllm-leader', transcript);
    deploy({
      name,
      podAnnotations: { [SIM_STATE]: 'crash-loop' },
      restartPolicy: 'None'
    });
    const lws = new LwsHelper(page);
    const deployments = lws.deployments();
    await lws.openSidebar();
    try {
      await expect(deployments.row(name)).toHaveAttribute(
        'data-state',
        'Failed',
        {
          timeout: 30_000
        }
      );
      await deployments.open(name);
      await expect(deployments.reason()).toContainText('keeps crashing');
      await expect(deployments.diagnosis('gpu-oom')).toContainText(
        'A GPU ran out of memory',
        { timeout: 20_000 }
      );
      await expect(
        deployments.diagnosis('gpu-oom').locator('pre')
      ).toContainText('out of memory');
      await expect(deployments.diagnosis('crash-loop')).toBeVisible();
    } finally {
      remove(name);
    }
  });

  test('a Service named like the LWS is flagged from the objects, with the fix', async ({
    page
  }) => {
    const name = 'ui-clash';
    remove(name);
    deleteObjects('services', [name]);
    // The guide's classic mistake: the API Service takes the LWS's name, and is there first.
    applyManifest({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name },
      spec: {
        selector: { [NAME_LABEL]: name, role: 'leader' },
        ports: [{ name: 'http', port: 8080, targetPort: 8080 }]
      }
    });
    deploy({ name });
    const lws = new LwsHelper(page);
    const deployments = lws.deployments();
    await lws.openSidebar();
    try {
      await deployments.open(name);
      const clash = deployments.diagnosis('service-name-clash');
      await expect(clash).toContainText(`The Service "${name}"`);
      await expect(
        deployments.diagnosisFix('service-name-clash')
      ).toContainText(`${name}-leader`);
      // The controller did not take the Service over: it is still the user's.
      expect(
        getObject('service', name)?.metadata?.ownerReferences
      ).toBeUndefined();
    } finally {
      remove(name);
      deleteObjects('services', [name]);
    }
  });

  test("a hand-written deployment that breaks the guide's rules says so beside Ready", async ({
    page
  }) => {
    const name = 'ui-405b';
    remove(name);
    // 405B in bf16 (~810 GB) on one pod of 8 GPUs: kwok runs it, a real cluster would not.
    deploy({
      name,
      model: 'meta-llama/Llama-3.1-405B-Instruct',
      size: 1,
      gpus: 8
    });
    const lws = new LwsHelper(page);
    const deployments = lws.deployments();
    await lws.openSidebar();
    try {
      await expect(deployments.row(name)).toHaveAttribute(
        'data-state',
        'Ready',
        {
          timeout: 30_000
        }
      );
      await deployments.open(name);
      const checks = deployments.detail().getByTestId('lws-spec-checks');
      await expect(checks).toContainText('Llama-3.1-405B');
      await expect(checks.locator('li.jp-lws-mod-error')).not.toHaveCount(0);
    } finally {
      remove(name);
    }
  });

  test('a group the LWS controller keeps recreating keeps its diagnosis, and its logs are read with back-off', async ({
    page
  }) => {
    // Up to 60 s for the diagnosis, then 40 s of watching it.
    test.setTimeout(150_000);
    const name = 'ui-recreate';
    remove(name);
    const transcript = corpusTranscript('gpu-oom--vllm-15598.txt');
    serveLog(`${name}-0`, 'vllm-leader', transcript);
    // Logs are read over the live channel: count its `log` requests.
    const logReads: string[] = [];
    page.on('websocket', socket => {
      socket.on('framesent', ({ payload }) => {
        const message = JSON.parse(String(payload));
        if (message.op === 'log') {
          logReads.push(message.pod);
        }
      });
    });
    // Each restart makes the controller delete the group and create it again (new uids).
    deploy({
      name,
      podAnnotations: { [SIM_STATE]: 'crash-loop' },
      restartPolicy: 'RecreateGroupOnPodRestart'
    });
    const lws = new LwsHelper(page);
    const deployments = lws.deployments();
    await lws.openSidebar();
    try {
      await deployments.open(name);
      const diagnosis = deployments.diagnosis('gpu-oom');
      // The leader's log is read at 0, 5, 15 and 35 s (the back-off below), and in a crash loop
      // a read can find its pod already gone: wait past the fourth read (30 s, i.e. three
      // reads, once ended without the diagnosis in a clean-clone CI run).
      await expect(diagnosis).toBeVisible({ timeout: 60_000 });
      // Watch for 40 s: the card never goes away while the group comes and goes. The leader's
      // uid is read at each sample too: between two lives of the group there is no leader.
      const leaderUids = new Set<string>();
      const seenFrom = Date.now();
      let missing = 0;
      let samples = 0;
      while (Date.now() - seenFrom < 40_000) {
        samples += 1;
        if ((await diagnosis.count()) === 0) {
          missing += 1;
        }
        const uid = podUid(`${name}-0`);
        if (uid !== null) {
          leaderUids.add(uid);
        }
        await page.waitForTimeout(250);
      }
      expect(samples).toBeGreaterThan(20);
      expect(missing).toBe(0);

      // The group really was recreated (the leader had several lives), and the detail says how often.
      expect(leaderUids.size).toBeGreaterThanOrEqual(2);
      await expect(
        deployments.detail().getByTestId('lws-group-recreated')
      ).toContainText(/recreated \d+ times/);
      await expect(
        deployments.detail().getByTestId('lws-restarts')
      ).toContainText(/groups? recreated/);
      // Back-off per pod name: 0, 5, 15, 35 s ... after the first read, whatever the churn.
      const leaderReads = logReads.filter(pod => pod === `${name}-0`).length;
      console.log(
        `crash loop: ${leaderReads} reads of ${name}-0's log, ${logReads.length} in all, ` +
          `diagnosis missing in ${missing}/${samples} samples, ${leaderUids.size} leader lives seen`
      );
      expect(leaderReads).toBeGreaterThanOrEqual(1);
      expect(leaderReads).toBeLessThanOrEqual(8);
    } finally {
      remove(name);
    }
  });

  test('scale, restart a group and turn NCCL debug off, each with its result', async ({
    page
  }) => {
    const name = 'ui-actions';
    remove(name);
    deploy({ name, managed: true, ncclDebug: true });
    const lws = new LwsHelper(page);
    const deployments = lws.deployments();
    await lws.openSidebar();
    try {
      await expect(deployments.row(name)).toHaveAttribute(
        'data-state',
        'Ready',
        {
          timeout: 30_000
        }
      );
      await deployments.open(name);

      await test.step('a replica count LWS cannot take is refused in plain words', async () => {
        await deployments.action('scale').click();
        await deployments.enterNumber(-1, 'Scale');
        await expect(deployments.actionResult()).toHaveText(
          'The number of replicas must be between 0 and 1000000.'
        );
        expect(getObject(LWS, name).spec.replicas).toBe(1);
      });

      await test.step('scale to two groups', async () => {
        await deployments.action('scale').click();
        await deployments.enterNumber(2, 'Scale');
        await expect(deployments.actionResult()).toContainText(
          `Scaling ${name} from 1 to 2 groups`
        );
        expect(getObject(LWS, name).spec.replicas).toBe(2);
        await expect(deployments.group(1)).toHaveAttribute(
          'data-ready',
          'true',
          {
            timeout: 30_000
          }
        );
      });

      await test.step('restart group 1: its leader pod is recreated', async () => {
        const before = podUid(`${name}-1`);
        expect(before).not.toBeNull();
        await deployments.restartGroup(1).click();
        await expect(deployments.dialog()).toContainText(
          `This deletes the leader pod ${name}-1`
        );
        await deployments.confirm('Restart group');
        await expect(deployments.actionResult()).toHaveText(
          `Restarting group 1 of ${name}: its pods are being recreated.`
        );
        await expect
          .poll(() => podUid(`${name}-1`), { timeout: 30_000 })
          .not.toBe(before);
        await expect(deployments.group(1)).toHaveAttribute(
          'data-ready',
          'true',
          {
            timeout: 30_000
          }
        );
      });

      await test.step('turn NCCL debug off: the templates lose NCCL_DEBUG', async () => {
        await expect(
          deployments.detail().getByTestId('lws-nccl-debug')
        ).toHaveText('INFO');
        await deployments.action('nccl-off').click();
        await expect(deployments.dialog()).toContainText(
          'LeaderWorkerSet then rolls every group'
        );
        await deployments.confirm('Turn off and roll');
        await expect(deployments.actionResult()).toHaveText(
          `NCCL debug logging is off for ${name}: its groups restart with the new template.`
        );
        const template = getObject(LWS, name).spec.leaderWorkerTemplate;
        for (const role of ['leaderTemplate', 'workerTemplate']) {
          const env = template[role].spec.containers[0].env.map(
            (variable: { name: string }) => variable.name
          );
          expect(env).toEqual(['HF_HOME']);
        }
        await expect(
          deployments.detail().getByTestId('lws-nccl-debug')
        ).toHaveText('off');
        await expect(deployments.action('nccl-off')).toHaveCount(0);
      });
    } finally {
      remove(name);
    }
  });

  test('deleting removes the deployment and its Service, keeps the PVC, and a Secret unless asked', async ({
    page
  }) => {
    const name = 'ui-delete';
    const keep = 'ui-keep';
    const own = 'ui-delete-token';
    const shared = 'ui-shared-token';
    const cleanUp = () => {
      remove(name, keep);
      deleteObjects('secrets', [own, shared]);
    };
    cleanUp();
    for (const secret of [own, shared]) {
      applyManifest({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: secret },
        stringData: { token: 'hf_notARealToken' }
      });
    }
    deploy({ name, managed: true, secrets: [own, shared] });
    deploy({ name: keep, managed: true, secrets: [shared] });
    const lws = new LwsHelper(page);
    const deployments = lws.deployments();
    await lws.openSidebar();
    try {
      await expect(deployments.row(name)).toHaveAttribute(
        'data-state',
        'Ready',
        { timeout: 30_000 }
      );
      await deployments.open(name);
      await deployments.action('delete').click();
      const plan = deployments.dialog().getByTestId('lws-delete-plan');
      await expect(plan).toContainText(`the LeaderWorkerSet ${name}`);
      await expect(plan).toContainText(`its 2 pods: ${name}-0, ${name}-0-1`);
      await expect(plan).toContainText(`the API Service ${name}-leader`);
      await expect(plan).toContainText(
        'the volume claim models-pvc and the models downloaded into it'
      );
      await expect(plan).toContainText(
        `the Secret ${shared} (the deployment ${keep} uses it too)`
      );
      await expect(deployments.dialogCheckbox()).not.toBeChecked();
      await expect(deployments.dialog()).toContainText(
        `Also delete the Secret ${own} (no other deployment here reads it)`
      );
      await deployments.dialogCheckbox().check();

      await deployments.confirm('Delete');
      await expect(deployments.departed()).toHaveText(`${name} was deleted.`, {
        timeout: 30_000
      });
      await expect(deployments.row(name)).toHaveCount(0);
      // The list notices the LeaderWorkerSet is gone while the action still deletes the Service
      // and the Secret: the cluster is checked once the action reports its outcome.
      await expect(
        deployments.successNotification(
          `${name} is being deleted: its pods are shutting down. Deleted the Secret ${own} too.`
        )
      ).toBeVisible({ timeout: 30_000 });
      expect(getObject(LWS, name)).toBeNull();
      expect(getObject('service', `${name}-leader`)).toBeNull();
      expect(getObject('secret', own)).toBeNull();
      expect(getObject('secret', shared)).not.toBeNull();
      expect(getObject(LWS, keep)).not.toBeNull();
      expect(getObject('pvc', 'models-pvc')?.status?.phase).toBe('Bound');
    } finally {
      cleanUp();
    }
  });

  test('the list shows each deployment’s state at a glance (README screenshot)', async ({
    page
  }) => {
    const names = {
      ready: 'llama-70b',
      loading: 'qwen-72b',
      big: 'llama-405b',
      crash: 'mixtral-8x22b'
    };
    remove(...Object.values(names));
    serveLog(`${names.loading}-0`, 'vllm-leader', shardLines(23, 37));
    deploy({
      name: names.ready,
      model: 'meta-llama/Llama-3.3-70B-Instruct',
      managed: true,
      gpus: 4
    });
    deploy({
      name: names.loading,
      model: 'Qwen/Qwen2.5-72B-Instruct',
      managed: true,
      gpus: 4,
      podAnnotations: { [SIM_STATE]: 'loading' }
    });
    deploy({
      name: names.big,
      model: 'meta-llama/Llama-3.1-405B-Instruct',
      managed: true,
      gpus: 16
    });
    deploy({
      name: names.crash,
      model: 'mistralai/Mixtral-8x22B-Instruct-v0.1',
      gpus: 4,
      podAnnotations: { [SIM_STATE]: 'oom-killed' },
      restartPolicy: 'None'
    });
    const lws = new LwsHelper(page);
    const deployments = lws.deployments();
    // Taller than the sidebar's content: a screenshot paints only what is in the viewport.
    await page.setViewportSize({ width: 1280, height: 1000 });
    await lws.openSidebar();
    await page.sidebar.setWidth(360);
    try {
      await expect(deployments.row(names.ready)).toHaveAttribute(
        'data-state',
        'Ready',
        { timeout: 30_000 }
      );
      await expect(deployments.rowProgress(names.loading)).toContainText(
        '23 of 37 shards',
        { timeout: 30_000 }
      );
      await expect(deployments.rowDiagnosis(names.big)).toHaveAttribute(
        'data-diagnosis-id',
        'insufficient-gpu',
        { timeout: 30_000 }
      );
      await expect(deployments.row(names.crash)).toHaveAttribute(
        'data-state',
        'Failed',
        { timeout: 30_000 }
      );
      await expect(deployments.rowDiagnosis(names.crash)).toHaveAttribute(
        'data-diagnosis-id',
        'host-oom'
      );
      const shot = test.info().outputPath('sidebar.png');
      await deployments.content().screenshot({ path: shot });
      if (process.env.LWS_UPDATE_SCREENSHOTS) {
        const docs = join(__dirname, '..', '..', 'docs', 'images');
        mkdirSync(docs, { recursive: true });
        copyFileSync(shot, join(docs, 'sidebar.png'));
        // The same list in the dark theme (docs/images/sidebar-dark.png).
        await page.theme.setDarkTheme();
        await page.mouse.move(0, 0);
        await deployments
          .content()
          .screenshot({ path: join(docs, 'sidebar-dark.png') });
        await page.theme.setLightTheme();
      }

      // The detail of the failed one, for review next to the list.
      await deployments.open(names.crash);
      await expect(deployments.diagnosis('host-oom')).toContainText(
        'OOMKilled'
      );
      await deployments.sidebar.screenshot({
        path: test.info().outputPath('sidebar-detail.png')
      });
    } finally {
      remove(...Object.values(names));
    }
  });
});

/** A stand-in for an engine's health endpoint on a free local port. */
async function answeringEngine(): Promise<{
  server: Server;
  port: number;
  paths: string[];
}> {
  const paths: string[] = [];
  const server = createServer((request, response) => {
    paths.push(request.url ?? '');
    response.writeHead(request.url === '/health' ? 200 : 404);
    response.end();
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, paths };
}
