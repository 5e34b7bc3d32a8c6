import type { JupyterFrontEnd } from '@jupyterlab/application';
import type { TranslationBundle } from '@jupyterlab/translation';

import type { DeploymentsViewModel } from './DeploymentsViewModel';
import type { LogsView } from './LogsView';

/** Arguments of the open-logs command. */
export interface IOpenLogsArgs {
  deployment: string;
  pod: string;
}

/**
 * Returns a function that shows a pod's log in the main area: the tab already showing that
 * pod is activated, otherwise a new {@link LogsView} opens (its code is loaded on first use).
 */
export function logsOpener(
  shell: JupyterFrontEnd.IShell,
  model: DeploymentsViewModel,
  trans: TranslationBundle,
  tailLines: () => number
): (args: IOpenLogsArgs) => Promise<LogsView> {
  const open = new Set<LogsView>();
  return async ({ deployment, pod }) => {
    const existing = [...open].find(
      view => view.deployment === deployment && view.pod === pod
    );
    if (existing?.isAttached) {
      shell.activateById(existing.id);
      return existing;
    }
    // A view taken out of the shell without being closed cannot be shown again.
    existing?.dispose();
    const { LogsView } = await import('./LogsView');
    const view = new LogsView({
      model,
      deployment,
      pod,
      tailLines: tailLines(),
      trans
    });
    open.add(view);
    view.disposed.connect(() => open.delete(view));
    shell.add(view, 'main');
    shell.activateById(view.id);
    return view;
  };
}
