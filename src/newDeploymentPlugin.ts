import type {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ILayoutRestorer as ILayoutRestorerToken } from '@jupyterlab/application';
import type { MainAreaWidget } from '@jupyterlab/apputils';
import { ICommandPalette, WidgetTracker } from '@jupyterlab/apputils';
import { IEditorServices } from '@jupyterlab/codeeditor';
import { ILauncher } from '@jupyterlab/launcher';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStateDB } from '@jupyterlab/statedb';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { CommandIDs } from './commands';
import { lwsIcon } from './icons';

/** The plugin that owns the extension's settings (profiles, NCCL default). */
const SETTINGS_PLUGIN_ID = 'jupyterlab-lws:plugin';

/**
 * The new-deployment form: a launcher tile, a command-palette command and a main-area panel.
 *
 * #### Notes
 * The tile and the command are registered at once; the panel (form, advice, YAML editor) is
 * imported only when the command first runs, so it adds nothing to JupyterLab's start-up.
 */
export const newDeploymentPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyterlab-lws:new-deployment',
  description:
    'Create a multi-node deployment from a form with sizing advice and a YAML preview.',
  autoStart: true,
  requires: [IEditorServices],
  optional: [
    ITranslator,
    ILauncher,
    ICommandPalette,
    ILayoutRestorerToken,
    IStateDB,
    ISettingRegistry
  ],
  activate: (
    app: JupyterFrontEnd,
    editorServices: IEditorServices,
    translator: ITranslator | null,
    launcher: ILauncher | null,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    state: IStateDB | null,
    settingRegistry: ISettingRegistry | null
  ) => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_lws');
    const tracker = new WidgetTracker<MainAreaWidget>({
      namespace: 'jupyterlab-lws-new-deployment'
    });

    app.commands.addCommand(CommandIDs.newDeployment, {
      label: args =>
        args.isLauncher
          ? trans.__('Multi-node deployment')
          : trans.__('New Multi-node Deployment'),
      caption: trans.__(
        'Deploy an LLM over several GPU nodes (vLLM or SGLang on a LeaderWorkerSet)'
      ),
      icon: args => (args.isPalette ? undefined : lwsIcon),
      describedBy: { args: { type: 'object', properties: {} } },
      execute: async () => {
        const open = tracker.find(() => true);
        if (open) {
          app.shell.activateById(open.id);
          return open;
        }
        const [{ createNewDeployment }, settings] = await Promise.all([
          import('./widgets/newDeployment'),
          settingRegistry
            ? settingRegistry.load(SETTINGS_PLUGIN_ID).catch(() => null)
            : null
        ]);
        const widget = await createNewDeployment({
          serverSettings: app.serviceManager.serverSettings,
          settings: (settings?.composite ?? {}) as Record<string, unknown>,
          editorServices,
          state,
          contents: app.serviceManager.contents,
          commands: app.commands,
          trans,
          showSidebar: () => void app.commands.execute(CommandIDs.openSidebar)
        });
        void tracker.add(widget);
        app.shell.add(widget, 'main');
        app.shell.activateById(widget.id);
        return widget;
      }
    });

    const editTracker = new WidgetTracker<MainAreaWidget>({
      namespace: 'jupyterlab-lws-edit-deployment'
    });
    app.commands.addCommand(CommandIDs.editDeployment, {
      label: args =>
        args.name
          ? trans.__('Edit %1', String(args.name))
          : trans.__('Edit Deployment'),
      caption: trans.__(
        'Change a deployment in the form: the change is shown as a diff before it is applied'
      ),
      describedBy: {
        args: {
          type: 'object',
          properties: { name: { type: 'string' } },
          required: ['name']
        }
      },
      execute: async args => {
        const name = String(args.name ?? '');
        const open = editTracker.find(
          widget => widget.id === `jp-lws-edit-deployment-${name}`
        );
        if (open) {
          app.shell.activateById(open.id);
          return open;
        }
        const [{ createEditDeployment }, settings] = await Promise.all([
          import('./widgets/newDeployment'),
          settingRegistry
            ? settingRegistry.load(SETTINGS_PLUGIN_ID).catch(() => null)
            : null
        ]);
        const widget = createEditDeployment(name, {
          serverSettings: app.serviceManager.serverSettings,
          settings: (settings?.composite ?? {}) as Record<string, unknown>,
          editorServices,
          state,
          contents: app.serviceManager.contents,
          commands: app.commands,
          trans,
          showSidebar: () => void app.commands.execute(CommandIDs.openSidebar)
        });
        void editTracker.add(widget);
        app.shell.add(widget, 'main');
        app.shell.activateById(widget.id);
        return widget;
      }
    });

    launcher?.add({
      command: CommandIDs.newDeployment,
      category: trans.__('Other'),
      rank: 10
    });
    palette?.addItem({
      command: CommandIDs.newDeployment,
      category: trans.__('Multi-node LLM Serving')
    });
    void restorer?.restore(tracker, {
      command: CommandIDs.newDeployment,
      name: () => 'new-deployment'
    });
  }
};
