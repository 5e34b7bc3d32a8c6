/**
 * @jest-environment-options {"customExportConditions": ["node", "node-addons"]}
 */
// (`yaml` resolves to its CommonJS build under Node's export conditions.)

import {
  curlSmokeTest,
  findEndpoint,
  leaderServices,
  servedModelName
} from '../endpoint';
import {
  guideDeployment,
  headlessService,
  lwsPod,
  managedDeployment
} from './deploymentObjects';

describe('findEndpoint', () => {
  it('finds the Service the extension made, with its port and cluster URL', () => {
    const { lws, service } = managedDeployment({ port: 8000 });
    expect(findEndpoint(lws, [headlessService(lws), service])).toEqual({
      service: 'llama-leader',
      port: 8000,
      url: 'http://llama-leader.project-user-alice.svc.cluster.local:8000',
      managed: true
    });
  });

  it("finds the guide's hand-written Service that selects the leader by its role label", () => {
    const { lws, service } = guideDeployment();
    const endpoint = findEndpoint(lws, [headlessService(lws), service]);
    expect(endpoint).toMatchObject({
      service: 'vllm-leader-ib',
      port: 8080,
      managed: false
    });
  });

  it("uses the live leader pod's labels, which also select a Service by worker-index", () => {
    const { lws } = guideDeployment();
    const name = lws.metadata.name ?? '';
    const byIndex = {
      ...guideDeployment().service,
      metadata: { name: 'by-index', namespace: 'project-user-alice' },
      spec: {
        selector: {
          'leaderworkerset.sigs.k8s.io/name': name,
          'leaderworkerset.sigs.k8s.io/worker-index': '0',
          'leaderworkerset.sigs.k8s.io/group-index': '0'
        },
        ports: [{ port: 9000, targetPort: 8080 }]
      }
    };
    expect(findEndpoint(lws, [byIndex])).toBeNull();
    const leader = lwsPod(name, 0, 0);
    expect(findEndpoint(lws, [byIndex], leader.metadata?.labels)?.service).toBe(
      'by-index'
    );
  });

  it('never takes the headless Service named like the LWS, nor a Service of another LWS', () => {
    const { lws } = managedDeployment();
    const other = managedDeployment({ name: 'other' }).service;
    expect(findEndpoint(lws, [headlessService(lws), other])).toBeNull();
    expect(leaderServices(lws, [headlessService(lws), other])).toEqual([]);
  });
});

describe('servedModelName', () => {
  it('is the model id unless the command sets --served-model-name', () => {
    const { lws } = managedDeployment();
    expect(servedModelName(lws, 'meta-llama/Llama-3.3-70B-Instruct')).toBe(
      'meta-llama/Llama-3.3-70B-Instruct'
    );
    const named = managedDeployment({
      engineArgs: ['--served-model-name', 'llama']
    }).lws;
    expect(servedModelName(named, 'meta-llama/Llama-3.3-70B-Instruct')).toBe(
      'llama'
    );
  });

  it('reads the flag inside an `sh -c` script too', () => {
    const { lws } = guideDeployment();
    const container =
      lws.spec.leaderWorkerTemplate.leaderTemplate!.spec!.containers[0];
    container.command = [
      'sh',
      '-c',
      'python3 -m vllm.entrypoints.openai.api_server --port 8080 --served-model-name=llama70 --model x'
    ];
    expect(servedModelName(lws, 'x')).toBe('llama70');
  });
});

describe('curlSmokeTest', () => {
  it('asks the chat completions path with a JSON body a shell passes through intact', () => {
    const { lws, service } = managedDeployment();
    const endpoint = findEndpoint(lws, [service])!;
    const command = curlSmokeTest(endpoint, "o'brien/model");
    expect(command).toContain(
      'http://llama-leader.project-user-alice.svc.cluster.local:8080/v1/chat/completions'
    );
    // Undo the POSIX single-quoting of the -d argument and parse the body back.
    const quoted = /-d ('(?:[^']|'\\'')*')$/.exec(command)![1];
    const body = JSON.parse(quoted.slice(1, -1).replace(/'\\''/g, "'"));
    expect(body.model).toBe("o'brien/model");
    expect(body.messages[0].role).toBe('user');
    expect(body.max_tokens).toBeGreaterThan(0);
  });
});
