import type { JupyterFrontEnd } from '@jupyterlab/application';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { Widget } from '@lumino/widgets';

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
  return singleViewOpener(
    shell,
    (view, { deployment, pod }) =>
      view.deployment === deployment && view.pod === pod,
    async ({ deployment, pod }) => {
      const { LogsView } = await import('./LogsView');
      return new LogsView({
        model,
        deployment,
        pod,
        tailLines: tailLines(),
        trans
      });
    }
  );
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
  return singleViewOpener(
    shell,
    (view, { deployment, group }) =>
      view.deployment === deployment && view.group === group,
    async ({ deployment, group }) => {
      const { GroupLogView } = await import('./GroupLogView');
      return new GroupLogView({
        model,
        deployment,
        group,
        tailLines: tailLines(),
        trans
      });
    }
  );
}

/** One main-area tab per subject: the open one is activated, else `create` makes one. */
function singleViewOpener<TArgs, TView extends Widget>(
  shell: JupyterFrontEnd.IShell,
  shows: (view: TView, args: TArgs) => boolean,
  create: (args: TArgs) => Promise<TView>
): (args: TArgs) => Promise<TView> {
  const open = new Set<TView>();
  return async args => {
    const existing = [...open].find(view => shows(view, args));
    if (existing?.isAttached) {
      shell.activateById(existing.id);
      return existing;
    }
    // A view taken out of the shell without being closed cannot be shown again.
    existing?.dispose();
    const view = await create(args);
    open.add(view);
    view.disposed.connect(() => open.delete(view));
    shell.add(view, 'main');
    shell.activateById(view.id);
    return view;
  };
}
