import type { JupyterFrontEnd } from '@jupyterlab/application';
import type { TranslationBundle } from '@jupyterlab/translation';

import type { DeploymentsViewModel } from './DeploymentsViewModel';
import type { GroupLogView } from './GroupLogView';
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

/** Arguments of opening a group's merged log. */
export interface IOpenGroupLogArgs {
  deployment: string;
  group: number;
}

/**
 * Returns a function that shows the merged log of a group (all its pods, in time order) in
 * the main area: the tab already showing that group is activated, otherwise a new
 * {@link GroupLogView} opens (its code is loaded on first use).
 */
export function groupLogOpener(
  shell: JupyterFrontEnd.IShell,
  model: DeploymentsViewModel,
  trans: TranslationBundle,
  tailLines: () => number
): (args: IOpenGroupLogArgs) => Promise<GroupLogView> {
  const open = new Set<GroupLogView>();
  return async ({ deployment, group }) => {
    const existing = [...open].find(
      view => view.deployment === deployment && view.group === group
    );
    if (existing?.isAttached) {
      shell.activateById(existing.id);
      return existing;
    }
    existing?.dispose();
    const { GroupLogView } = await import('./GroupLogView');
    const view = new GroupLogView({
      model,
      deployment,
      group,
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
