import { ServerConnection } from '@jupyterlab/services';

import type { ILiveSocket } from '../liveChannel';
import { LiveChannel } from '../liveChannel';
import { NamespaceModel } from '../namespaceModel';

jest.mock('../context', () => ({
  fetchContext: async () => ({
    namespace: 'project-user-alice',
    lwsInstalled: true,
    permissions: {}
  }),
  can: () => true
}));

class FakeSocket implements ILiveSocket {
  readyState = 0;
  sent: any[] = [];
  onopen: ((event: unknown) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }
  close(): void {
    this.readyState = 3;
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  receive(message: object): void {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
}

describe('NamespaceModel', () => {
  it('subscribes to LeaderWorkerSets, their pods, events and Services on one channel', async () => {
    const sockets: FakeSocket[] = [];
    const channel = new LiveChannel({
      url: 'ws://lab/lws/api/live',
      createSocket: () => {
        const socket = new FakeSocket();
        sockets.push(socket);
        return socket;
      }
    });
    const model = new NamespaceModel(
      ServerConnection.makeSettings({ baseUrl: 'http://lab/' }),
      channel
    );
    expect(sockets).toHaveLength(0);
    await model.activate();
    expect(sockets).toHaveLength(1);
    const socket = sockets[0];
    socket.open();
    expect(socket.sent).toEqual([
      { op: 'subscribe', id: 's1', resource: 'leaderworkersets' },
      {
        op: 'subscribe',
        id: 's2',
        resource: 'pods',
        labelSelector: 'leaderworkerset.sigs.k8s.io/name'
      },
      { op: 'subscribe', id: 's3', resource: 'events' },
      { op: 'subscribe', id: 's4', resource: 'services' }
    ]);
    const services = model.services;
    expect(model.services).toBe(services);
    expect(model.synced).toBe(false);
    for (const id of ['s1', 's2', 's3']) {
      socket.receive({ type: 'snapshot', id, items: [] });
    }
    socket.receive({
      type: 'snapshot',
      id: 's4',
      items: [{ metadata: { name: 'llama-leader' } }]
    });
    expect(model.synced).toBe(true);
    expect(model.services.map(service => service.metadata?.name)).toEqual([
      'llama-leader'
    ]);
    // The downloads view's Jobs ride on the same socket.
    const jobs = model.collection(
      { group: 'batch', version: 'v1', plural: 'jobs', kind: 'Job' },
      'app=x'
    );
    expect(socket.sent[4]).toEqual({
      op: 'subscribe',
      id: 's5',
      resource: 'jobs',
      labelSelector: 'app=x'
    });
    expect(model.logs).not.toBeNull();
    jobs?.dispose();
    model.dispose();
    expect(socket.sent.slice(5).map(message => message.op)).toEqual([
      'unsubscribe',
      'unsubscribe',
      'unsubscribe',
      'unsubscribe',
      'unsubscribe'
    ]);
    expect(sockets).toHaveLength(1);
    channel.dispose();
  });
});
