/**
 * @jest-environment-options {"customExportConditions": ["node", "node-addons"]}
 */
// (`yaml` resolves to its CommonJS build under Node's export conditions.)

import type { JupyterFrontEnd } from '@jupyterlab/application';
import { ServerConnection } from '@jupyterlab/services';
import { nullTranslator } from '@jupyterlab/translation';
import { Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import type { ILogOptions } from '../../../api/kube';
import type { NamespaceModel } from '../../../api/namespaceModel';
import {
  managedDeployment,
  lwsPod
} from '../../../model/__tests__/deploymentObjects';
import { DeploymentsViewModel } from '../DeploymentsViewModel';
import { LogsView } from '../LogsView';
import { logsOpener } from '../openLogs';
import { waitFor as waitForCondition } from '../../../__tests__/waitFor';

// @jupyterlab/ui-components pulls in ES modules jest.config.js does not transform; these
// tests never render, they only need a widget class to extend.
jest.mock('@jupyterlab/ui-components', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Widget } = require('@lumino/widgets');
  const icon = { react: () => null };
  class ReactWidget extends Widget {}
  return {
    ReactWidget,
    UseSignal: () => null,
    Button: () => null,
    HTMLSelect: () => null,
    InputGroup: () => null,
    downloadIcon: icon,
    refreshIcon: icon,
    searchIcon: icon
  };
});

/** The parts of NamespaceModel a log view reads; its log requests stay open until aborted. */
class FakeNamespace {
  changed = new Signal<this, void>(this);
  serverSettings = ServerConnection.makeSettings({ baseUrl: 'http://lab/' });
  context = { namespace: 'alice', lwsInstalled: true, permissions: {} };
  leaderWorkerSets = [managedDeployment().lws];
  pods = [lwsPod('llama', 0, 0), lwsPod('llama', 0, 1)];
  events = [];
  services = [];
  loaded = true;
  requests: { pod: string; options: ILogOptions }[] = [];
  signals = new Set<AbortSignal>();
  /** Log requests not aborted (an aborted fetch lets its connection go at once). */
  get open(): number {
    return [...this.signals].filter(signal => !signal.aborted).length;
  }
  client = {};
  logs = {
    logLines: async function* (
      this: FakeNamespace,
      pod: string,
      options: ILogOptions,
      signal: AbortSignal
    ): AsyncGenerator<string> {
      this.requests.push({ pod, options });
      this.signals.add(signal);
      try {
        yield '2026-01-01T00:00:00Z INFO started';
        if (!options.follow) {
          return;
        }
        await new Promise<void>(resolve =>
          signal.addEventListener('abort', () => resolve())
        );
      } finally {
        this.signals.delete(signal);
      }
    }.bind(this)
  };
}

function waitFor(predicate: () => boolean): Promise<void> {
  return waitForCondition(predicate, 2000, 2);
}

/** A main area that attaches what it is given, as the shell would. */
class FakeShell {
  added: Widget[] = [];
  activated: string[] = [];
  add(widget: Widget): void {
    this.added.push(widget);
    Widget.attach(widget, document.body);
  }
  activateById(id: string): void {
    this.activated.push(id);
  }
}

function setUp() {
  const namespace = new FakeNamespace();
  const model = new DeploymentsViewModel(
    namespace as unknown as NamespaceModel
  );
  const trans = nullTranslator.load('jupyterlab_lws');
  return { namespace, model, trans };
}

describe('LogsView', () => {
  it('closing its tab disposes the view and ends its request at once', async () => {
    const { namespace, model, trans } = setUp();
    const view = new LogsView({
      model,
      deployment: 'llama',
      pod: 'llama-0',
      tailLines: 100,
      trans
    });
    await waitFor(() => view.stream?.state === 'streaming');
    expect(namespace.open).toBe(1);

    view.close();
    expect(view.isDisposed).toBe(true);
    expect(namespace.open).toBe(0);
    model.dispose();
  });

  it('follows every open log at once: no view waits for a connection', async () => {
    const { namespace, model, trans } = setUp();
    const views = ['llama-0', 'llama-0-1', 'llama-0'].map(
      pod =>
        new LogsView({ model, deployment: 'llama', pod, tailLines: 100, trans })
    );
    await waitFor(() =>
      views.every(view => view.stream?.state === 'streaming')
    );
    expect(namespace.requests.map(request => request.options.follow)).toEqual([
      true,
      true,
      true
    ]);
    expect(namespace.open).toBe(3);
    views.forEach(view => view.dispose());
    expect(namespace.open).toBe(0);
    model.dispose();
  });
});

describe('LogsView and its pod', () => {
  it('keeps the lines when its pod goes, and follows a recreated pod below a separator', async () => {
    const { namespace, model, trans } = setUp();
    const view = new LogsView({
      model,
      deployment: 'llama',
      pod: 'llama-0',
      tailLines: 100,
      trans
    });
    await waitFor(() => view.stream?.state === 'streaming');
    const stream = view.stream!;

    // The LWS controller deletes the group: the pod is gone, its lines stay.
    const worker = namespace.pods[1];
    namespace.pods = [worker];
    namespace.changed.emit();
    await waitFor(() => view.followState.phase === 'gone');
    expect(stream.state).toBe('stopped');
    expect(stream.tail.lines()).toEqual(['INFO started']);
    expect(namespace.open).toBe(0);

    // It creates the pod again under the same name: the new log follows the old lines.
    namespace.pods = [
      lwsPod('llama', 0, 0, { uid: 'llama-0-second-life' }),
      worker
    ];
    namespace.changed.emit();
    await waitFor(() => stream.tail.size === 3);
    expect(view.stream).toBe(stream);
    expect(view.followState.phase).toBe('live');
    expect(stream.tail.lines()[1]).toMatch(
      /the pod was recreated; the log of the new pod follows/
    );
    expect(stream.tail.lines()[2]).toBe('INFO started');
    expect(namespace.requests.map(request => request.pod)).toEqual([
      'llama-0',
      'llama-0'
    ]);
    view.dispose();
    model.dispose();
  });
});

describe('logsOpener', () => {
  it("shows a closed pod's log again in a new view", async () => {
    const { namespace, model, trans } = setUp();
    const shell = new FakeShell();
    const open = logsOpener(
      shell as unknown as JupyterFrontEnd.IShell,
      model,
      trans,
      () => 100
    );
    const first = await open({ deployment: 'llama', pod: 'llama-0' });
    expect(await open({ deployment: 'llama', pod: 'llama-0' })).toBe(first);
    expect(shell.added).toHaveLength(1);

    first.close();
    expect(first.isDisposed).toBe(true);
    const again = await open({ deployment: 'llama', pod: 'llama-0' });
    expect(again).not.toBe(first);
    expect(again.isAttached).toBe(true);
    expect(shell.added).toHaveLength(2);
    await waitFor(() => namespace.open === 1);
    again.close();
    expect(namespace.open).toBe(0);
    model.dispose();
  });
});
