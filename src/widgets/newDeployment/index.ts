// The new-deployment panel, loaded on first use (`await import(...)` in the command), so
// neither the form nor the YAML and editor code weigh on JupyterLab's start-up.

import type { MainAreaWidget } from '@jupyterlab/apputils';
import type { IEditorServices } from '@jupyterlab/codeeditor';
import type { Contents, ServerConnection } from '@jupyterlab/services';
import type { IStateDB } from '@jupyterlab/statedb';
import type { TranslationBundle } from '@jupyterlab/translation';
import type { CommandRegistry } from '@lumino/commands';

import type { IDeploymentSettings } from '../../model/profileSettings';
import { resolveSettings } from '../../model/profileSettings';
import { EditDeploymentViewModel, proxyEditCluster } from './editViewModel';
import { NewDeploymentViewModel, proxyCluster } from './viewModel';
import { NewDeploymentPanel, wrapPanel } from './panel';

export { NewDeploymentViewModel } from './viewModel';
export { NewDeploymentPanel } from './panel';

/** What {@link createNewDeployment} needs from the application. */
export interface INewDeploymentOptions {
  serverSettings: ServerConnection.ISettings;
  /** The extension's settings (composite), or empty for the defaults. */
  settings: IDeploymentSettings;
  editorServices: IEditorServices;
  state: IStateDB | null;
  contents: Contents.IManager;
  commands: CommandRegistry;
  trans: TranslationBundle;
  showSidebar: () => void;
}

/** Creates the panel with its draft restored, wrapped for the main area. */
export async function createNewDeployment(
  options: INewDeploymentOptions
): Promise<MainAreaWidget<NewDeploymentPanel>> {
  const model = new NewDeploymentViewModel({
    settings: resolveSettings(options.settings),
    cluster: proxyCluster(options.serverSettings),
    state: options.state
  });
  await model.restoreDraft();
  void model.loadContext();
  const panel = new NewDeploymentPanel({
    model,
    editorServices: options.editorServices,
    contents: options.contents,
    commands: options.commands,
    trans: options.trans,
    showSidebar: options.showSidebar
  });
  return wrapPanel(panel, options.trans);
}

/** Creates the form in edit mode for deployment `name`, filled from the live objects. */
export function createEditDeployment(
  name: string,
  options: INewDeploymentOptions
): MainAreaWidget<NewDeploymentPanel> {
  const model = new EditDeploymentViewModel(name, {
    settings: resolveSettings(options.settings),
    cluster: proxyEditCluster(options.serverSettings)
  });
  void model.loadSession();
  const panel = new NewDeploymentPanel({
    model,
    editorServices: options.editorServices,
    contents: options.contents,
    commands: options.commands,
    trans: options.trans,
    showSidebar: options.showSidebar
  });
  return wrapPanel(panel, options.trans);
}
