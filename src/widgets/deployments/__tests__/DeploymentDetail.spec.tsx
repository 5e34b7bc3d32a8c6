/**
 * @jest-environment-options {"customExportConditions": ["node", "node-addons"]}
 */
// (`yaml` resolves to its CommonJS build under Node's export conditions.)

import { nullTranslator } from '@jupyterlab/translation';
import React from 'react';

import { diagnose } from '../../../model/diagnose';
import { findEndpoint } from '../../../model/endpoint';
import { deploymentOverview } from '../../../model/overview';
import {
  event,
  lwsPod,
  managedDeployment,
  NOW
} from '../../../model/__tests__/deploymentObjects';
import type { IDeploymentDetailProps } from '../DeploymentDetail';
import { DeploymentDetail } from '../DeploymentDetail';

// @jupyterlab/ui-components pulls in @jupyter/react-components, an ES module that
// jest.config.js does not transform; the detail only needs its Button and icons.
jest.mock('@jupyterlab/ui-components', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const react = require('react');
  const icon = { react: () => null };
  return {
    Button: ({ minimal, small, ...props }: any) =>
      react.createElement('button', props),
    caretLeftIcon: icon,
    copyIcon: icon,
    deleteIcon: icon,
    editIcon: icon,
    errorIcon: icon,
    infoIcon: icon,
    refreshIcon: icon,
    textEditorIcon: icon
  };
});

const trans = nullTranslator.load('jupyterlab_lws');

// The repository has no @types/react-dom; these two calls are all the test needs.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createRoot } = require('react-dom/client') as {
  createRoot(node: Element): { render(element: React.ReactNode): void };
};
const act = (React as unknown as { act(callback: () => void): void }).act;
(globalThis as any).IS_REACT_ACT_ENVIRONMENT = true;

function render(overrides: Partial<IDeploymentDetailProps> = {}): HTMLElement {
  const { lws, service } = managedDeployment();
  const overview = deploymentOverview(
    lws,
    [
      lwsPod('llama', 0, 0, { ready: false, restarts: 2 }),
      lwsPod('llama', 0, 1)
    ],
    [
      event('Pod', 'llama-0', 'Started', 'Started container', {
        type: 'Normal',
        at: '2025-12-24T16:01:00Z'
      }),
      event(
        'Pod',
        'llama-0',
        'BackOff',
        'Back-off restarting failed container',
        {
          at: '2025-12-24T16:08:00Z'
        }
      )
    ],
    NOW
  );
  const noop = () => undefined;
  const props: IDeploymentDetailProps = {
    overview,
    lws,
    now: NOW,
    progress: null,
    diagnoses: diagnose({ events: overview.events }),
    endpoint: findEndpoint(lws, [service]),
    answer: {
      answers: false,
      healthy: false,
      detail: 'connection refused',
      checkedAt: 0
    },
    checking: false,
    result: null,
    busy: false,
    rights: { scale: true, restart: true, patch: true, remove: true },
    trans,
    onScale: noop,
    onRestartGroup: noop,
    onNcclDebugOff: noop,
    onCopyEndpoint: noop,
    onCopyCurl: noop,
    onDelete: noop,
    onCheckEndpoint: noop,
    onOpenLogs: noop,
    ...overrides
  };
  const host = document.createElement('div');
  document.body.appendChild(host);
  act(() => createRoot(host).render(<DeploymentDetail {...props} />));
  return host;
}

const byTestId = (host: HTMLElement, id: string) =>
  host.querySelector<HTMLElement>(`[data-testid="${id}"]`);

describe('DeploymentDetail', () => {
  it('lists events newest first and marks warnings', () => {
    const host = render();
    const events = [...host.querySelectorAll('[data-testid="lws-event"]')];
    expect(events.map(e => e.getAttribute('data-type'))).toEqual([
      'Warning',
      'Normal'
    ]);
    expect(events[0].classList).toContain('jp-lws-mod-warning');
    expect(events[0].textContent).toContain('Warning');
    expect(events[1].textContent).not.toContain('Warning');
  });

  it('shows each diagnosis with its cause, fix and evidence line', () => {
    const host = render();
    const diagnosis = host.querySelector('[data-diagnosis-id="crash-loop"]');
    expect(diagnosis?.textContent).toContain('Fix:');
    expect(diagnosis?.querySelector('pre')?.textContent).toBe(
      'BackOff: Back-off restarting failed container'
    );
  });

  it('shows the groups with leader and worker, node, GPUs and restarts', () => {
    const host = render();
    const leader = byTestId(host, 'lws-pod-llama-0')!;
    expect(leader.textContent).toContain('leader');
    expect(leader.textContent).toContain('gpu-node-1 · 4 GPUs · 2 restarts');
    expect(leader.getAttribute('data-ready')).toBe('false');
    expect(byTestId(host, 'lws-pod-llama-0-1')!.textContent).toContain(
      'worker 1'
    );
  });

  it('says whether the endpoint answers', () => {
    const host = render();
    expect(byTestId(host, 'lws-endpoint-service')!.textContent).toBe(
      'llama-leader:8080'
    );
    expect(byTestId(host, 'lws-endpoint-answer')!.textContent).toBe(
      'not reachable from this Jupyter server (connection refused)'
    );
  });

  it('offers NCCL debug off only while NCCL_DEBUG is set', () => {
    expect(byTestId(render(), 'lws-action-nccl-off')).not.toBeNull();
    const quiet = managedDeployment({ ncclDebug: null }).lws;
    expect(byTestId(render({ lws: quiet }), 'lws-action-nccl-off')).toBeNull();
  });

  it('offers Edit when the plugin can open the form, and only with the right to patch', () => {
    expect(byTestId(render(), 'lws-action-edit')).toBeNull();
    const edits: string[] = [];
    const host = render({ onEdit: () => edits.push('edit') });
    (byTestId(host, 'lws-action-edit') as HTMLButtonElement).click();
    expect(edits).toEqual(['edit']);
    const denied = render({
      onEdit: () => undefined,
      rights: { scale: true, restart: true, patch: false, remove: true }
    });
    expect(
      (byTestId(denied, 'lws-action-edit') as HTMLButtonElement).disabled
    ).toBe(true);
  });

  it('disables what the service account may not do', () => {
    const host = render({
      rights: { scale: false, restart: false, patch: false, remove: false }
    });
    expect(
      (byTestId(host, 'lws-action-delete') as HTMLButtonElement).disabled
    ).toBe(true);
    expect(
      (byTestId(host, 'lws-action-scale') as HTMLButtonElement).disabled
    ).toBe(true);
    expect(
      (byTestId(host, 'lws-restart-group-0') as HTMLButtonElement).disabled
    ).toBe(true);
    expect(byTestId(host, 'lws-action-delete')!.title).toMatch(
      /may not delete LeaderWorkerSets/
    );
  });
});
