/**
 * @jest-environment-options {"customExportConditions": ["node", "node-addons"]}
 */
// (Node export conditions: the CLI imports the model, whose `yaml` needs its CommonJS build.)

import { main } from '../../cli';
import { parseDiagnoseInput } from '../diagnoseInput';

describe('parseDiagnoseInput', () => {
  it('reads "Reason: message" lines as events and keeps the rest as log text', () => {
    const input = parseDiagnoseInput(
      [
        'FailedScheduling: 0/4 nodes are available: 4 Insufficient nvidia.com/gpu.',
        'Loading safetensors checkpoint shards:  47% Completed | 14/30',
        'BackOff: Back-off restarting failed container'
      ].join('\n')
    );
    expect(input.events).toEqual([
      {
        reason: 'FailedScheduling',
        message: '0/4 nodes are available: 4 Insufficient nvidia.com/gpu.'
      },
      { reason: 'BackOff', message: 'Back-off restarting failed container' }
    ]);
    expect(input.logs).toBe(
      'Loading safetensors checkpoint shards:  47% Completed | 14/30'
    );
  });

  it('leaves Python exceptions, which look alike, in the log text', () => {
    const text = [
      'ValueError: Total number of attention heads (52) must be divisible by tensor parallel size (8).',
      'AssertionError: collective_rpc should not be called on follower node',
      'OSError: You are trying to access a gated repo.',
      'RuntimeError: Not enough memory. Please try to increase --mem-fraction-static.'
    ].join('\n');
    const input = parseDiagnoseInput(text);
    expect(input.events).toEqual([]);
    expect(input.logs).toBe(text);
  });

  it('accepts single-word reasons only when Kubernetes uses them', () => {
    const input = parseDiagnoseInput(
      'Failed: Error: ErrImagePull\nNote: this is not an event'
    );
    expect(input.events).toEqual([
      { reason: 'Failed', message: 'Error: ErrImagePull' }
    ]);
    expect(input.logs).toBe('Note: this is not an event');
  });

  it('reads the Events table of kubectl describe pod', () => {
    const input = parseDiagnoseInput(
      [
        'Events:',
        '  Type     Reason            Age                From               Message',
        '  ----     ------            ----               ----               -------',
        '  Warning  FailedScheduling  16s (x13 over 6m)  default-scheduler  pod has unbound immediate PersistentVolumeClaims',
        '  Normal   Pulling           33s                kubelet, minikube  Pulling image "lmsysorg/sglang:v0.5.6.post2"'
      ].join('\n')
    );
    expect(input.events).toEqual([
      {
        type: 'Warning',
        reason: 'FailedScheduling',
        message: 'pod has unbound immediate PersistentVolumeClaims'
      },
      {
        type: 'Normal',
        reason: 'Pulling',
        message: 'Pulling image "lmsysorg/sglang:v0.5.6.post2"'
      }
    ]);
  });

  it('reads kubectl get events rows with the object they are about', () => {
    const input = parseDiagnoseInput(
      '2m   Warning   BackOff   pod/llama-70b-0-1   Back-off restarting failed container'
    );
    expect(input.events).toEqual([
      {
        type: 'Warning',
        reason: 'BackOff',
        message: 'Back-off restarting failed container',
        involvedObject: { kind: 'Pod', name: 'llama-70b-0-1' }
      }
    ]);
  });

  it('keeps indented describe fields such as "Reason: OOMKilled" as log text', () => {
    const text = '      Reason:       OOMKilled\n      Exit Code:    137';
    expect(parseDiagnoseInput(text)).toEqual({ events: [], logs: text });
  });

  it('reads the JSON of kubectl get events -o json', () => {
    const list = {
      apiVersion: 'v1',
      kind: 'List',
      items: [
        {
          reason: 'Failed',
          message: 'Error: ImagePullBackOff',
          type: 'Warning',
          involvedObject: { kind: 'Pod', name: 'llama-70b-0' }
        }
      ]
    };
    const input = parseDiagnoseInput(JSON.stringify(list, null, 2));
    expect(input.logs).toBe('');
    expect(input.events).toHaveLength(1);
    expect(input.events[0].message).toBe('Error: ImagePullBackOff');
  });

  it('treats text that only starts like JSON as log text', () => {
    const text = '{"level": "info"} not json at all';
    expect(parseDiagnoseInput(text)).toEqual({ events: [], logs: text });
  });
});

describe('jupyterlab-lws diagnose', () => {
  it('prints the diagnoses of standard input as JSON', async () => {
    let stdout = '';
    const code = await main(['diagnose', '-'], {
      readFile: () => {
        throw new Error('no files here');
      },
      readStdin: async () =>
        [
          'FailedScheduling: 0/3 nodes are available: 3 Insufficient nvidia.com/gpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.',
          'INFO:     Application startup complete.'
        ].join('\n'),
      stdout: text => {
        stdout += text;
      },
      stderr: () => undefined
    });
    expect(code).toBe(0);
    const printed = JSON.parse(stdout);
    expect(printed).toHaveLength(1);
    expect(Object.keys(printed[0])).toEqual([
      'id',
      'title',
      'cause',
      'fix',
      'evidence'
    ]);
    expect(printed[0].id).toBe('insufficient-gpu');
    expect(printed[0].evidence).toMatch(/^FailedScheduling: 0\/3 nodes/);
  });

  function cli(files: Record<string, string>) {
    let stdout = '';
    const io = {
      readFile: (path: string) => files[path],
      readStdin: async () => '',
      stdout: (text: string) => {
        stdout += text;
      },
      stderr: () => undefined
    };
    return {
      run: async (argv: string[]) => {
        const code = await main(argv, io);
        return { code, printed: JSON.parse(stdout) };
      }
    };
  }

  it('prints the first error line as unknown-error when no rule knows it', async () => {
    const log = [
      'INFO 01-23 10:00:00 [api_server.py:1] vLLM API server version 0.11.0',
      'Traceback (most recent call last):',
      '  File "/usr/lib/python3.12/runpy.py", line 198, in _run_module_as_main',
      "ImportError: cannot import name 'Foo' from 'transformers'"
    ].join('\n');
    const { code, printed } = await cli({ 'leader.log': log }).run([
      'diagnose',
      'leader.log'
    ]);
    expect(code).toBe(0);
    expect(printed).toHaveLength(1);
    expect(printed[0]).toMatchObject({
      id: 'unknown-error',
      evidence: "ImportError: cannot import name 'Foo' from 'transformers'",
      context: log.split('\n')
    });
    expect(printed[0].cause).toContain('no known cause was found');
  });

  it('reads several files as the pods of a group and names the first to fail', async () => {
    const { printed } = await cli({
      'llama-0.log':
        '[rank0]:[E0123 10:10:00.000000000 ProcessGroupNCCL.cpp:632] [Rank 0] Watchdog caught collective operation timeout: WorkNCCL(SeqNum=5, OpType=ALLREDUCE) ran for 600012 milliseconds before timing out.',
      'llama-0-1.log':
        'ERROR 01-23 10:00:30 [worker.py:1] torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 1.00 GiB.'
    }).run(['diagnose', 'llama-0.log', 'llama-0-1.log']);
    expect(
      printed.map((found: { id: string; pod: string }) => [found.id, found.pod])
    ).toEqual([
      ['gpu-oom', 'llama-0-1.log'],
      ['nccl-timeout', 'llama-0.log']
    ]);
    expect(printed[0].first).toBe(true);
  });
});
