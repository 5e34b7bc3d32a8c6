import type {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ILayoutRestorer as ILayoutRestorerToken } from '@jupyterlab/application';
import { ICommandPalette, WidgetTracker } from '@jupyterlab/apputils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { NamespaceModel } from './api/namespaceModel';
import { chatPlugin } from './chatPlugin';
import { CommandIDs } from './commands';
import { lwsIcon } from './icons';
import { newDeploymentPlugin } from './newDeploymentPlugin';
import { ILwsDeployments } from './tokens';
import type { DeploymentTab } from './widgets/deployments/DeploymentView';
import { groupLogOpener, logsOpener } from './widgets/deployments/openLogs';
import { addDownloadCommands } from './widgets/modelDownloads/commands';
import { LwsSidebar } from './widgets/sidebar';

const PLUGIN_ID = 'jupyterlab-lws:plugin';

/**
 * The sidebar of multi-node deployments and its commands (the launcher tile is the
 * new-deployment plugin's).
 */
const plugin: JupyterFrontEndPlugin<ILwsDeployments> = {
  id: PLUGIN_ID,
  description:
    'Deploy, watch and smoke-test multi-node LLM serving on LeaderWorkerSets.',
  autoStart: true,
  provides: ILwsDeployments,
  optional: [
    ITranslator,
    ILayoutRestorerToken,
    ICommandPalette,
    ISettingRegistry
  ],
  activate: (
    app: JupyterFrontEnd,
    translator: ITranslator | null,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null,
    settingRegistry: ISettingRegistry | null
  ) => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_lws');
    const model = new NamespaceModel(app.serviceManager.serverSettings);

    const sidebar = new LwsSidebar(model, trans, {
      openLogs: args =>
        void app.commands.execute(CommandIDs.openLogs, { ...args }),
      newDeployment: () => void app.commands.execute(CommandIDs.newDeployment),
      openDeployment: name =>
        void app.commands.execute(CommandIDs.openDeployment, { name })
    });
    sidebar.id = 'jp-lws-sidebar';
    sidebar.title.icon = lwsIcon;
    sidebar.title.caption = trans.__('Multi-node LLM Serving');
    app.shell.add(sidebar, 'left', { rank: 650 });
    restorer?.add(sidebar, sidebar.id);

    let logTailLines = 5000;
    void settingRegistry?.load(PLUGIN_ID).then(settings => {
      const read = () => {
        logTailLines = settings.get('logTailLines').composite as number;
        sidebar.downloads.setSettings(settings.composite);
        sidebar.actions.idleMinutes = settings.get('idleMinutes')
          .composite as number;
      };
      read();
      settings.changed.connect(read);
    });
    const openLogs = logsOpener(
      app.shell,
      sidebar.deployments,
      trans,
      () => logTailLines
    );
    const openGroupLog = groupLogOpener(
      app.shell,
      sidebar.deployments,
      trans,
      () => logTailLines
    );
    app.commands.addCommand(CommandIDs.openLogs, {
      label: trans.__('Show Pod Log'),
      describedBy: {
        args: {
          type: 'object',
          properties: {
            deployment: { type: 'string' },
            pod: { type: 'string' }
          },
          required: ['deployment', 'pod']
        }
      },
      execute: args =>
        openLogs({
          deployment: String(args.deployment),
          pod: String(args.pod)
        })
    });

    // A deployment's detail is a main-area tab; the one focused last is the selection
    // (its endpoint is checked, its loading leader followed first).
    const deploymentTabs = new WidgetTracker<DeploymentTab>({
      namespace: 'jupyterlab-lws-deployment'
    });
    deploymentTabs.currentChanged.connect((_, tab) => {
      sidebar.deployments.selected = tab?.deployment ?? null;
    });
    sidebar.endpointExtrasChanged.connect(() =>
      deploymentTabs.forEach(tab => tab.update())
    );
    app.commands.addCommand(CommandIDs.openDeployment, {
      label: trans.__('Show Multi-node Deployment'),
      describedBy: {
        args: {
          type: 'object',
          properties: { name: { type: 'string' } },
          required: ['name']
        }
      },
      execute: async args => {
        const name = String(args.name);
        const open = deploymentTabs.find(tab => tab.deployment === name);
        if (open?.isAttached) {
          app.shell.activateById(open.id);
          return open;
        }
        // Taken out of the shell without being closed: it cannot be shown again.
        open?.dispose();
        // Restored tabs open before the sidebar was ever shown: start the watches.
        void model.activate();
        // The detail's code loads with the first tab, not with JupyterLab.
        const { DeploymentTab } =
          await import('./widgets/deployments/DeploymentView');
        const opened = deploymentTabs.find(tab => tab.deployment === name);
        if (opened?.isAttached) {
          // Asked twice while the code loaded.
          app.shell.activateById(opened.id);
          return opened;
        }
        const tab = new DeploymentTab(name, {
          model: sidebar.deployments,
          actions: sidebar.actions,
          openLogs: (deployment, pod) => sidebar.openLogs({ deployment, pod }),
          openGroupLog: (deployment, group) =>
            void openGroupLog({ deployment, group }),
          endpointExtras: () => sidebar.endpointExtras,
          editDeployment: deployment =>
            void app.commands.execute(CommandIDs.editDeployment, {
              name: deployment
            }),
          trans
        });
        app.shell.add(tab, 'main');
        void deploymentTabs.add(tab);
        app.shell.activateById(tab.id);
        return tab;
      }
    });
    void restorer?.restore(deploymentTabs, {
      command: CommandIDs.openDeployment,
      args: tab => ({ name: tab.deployment }),
      name: tab => tab.deployment
    });

    addDownloadCommands(app.commands, sidebar.downloads, trans, () =>
      app.shell.activateById(sidebar.id)
    );
    app.commands.addCommand(CommandIDs.openSidebar, {
      label: trans.__('Show Multi-node Deployments'),
      icon: lwsIcon,
      describedBy: { args: { type: 'object', properties: {} } },
      execute: () => app.shell.activateById(sidebar.id)
    });
    app.commands.addCommand(CommandIDs.refresh, {
      label: trans.__('Refresh Multi-node Deployments'),
      describedBy: { args: { type: 'object', properties: {} } },
      execute: () => model.refresh()
    });
    palette?.addItem({
      command: CommandIDs.openSidebar,
      category: trans.__('Multi-node LLM Serving')
    });
    palette?.addItem({
      command: CommandIDs.refresh,
      category: trans.__('Multi-node LLM Serving')
    });
    return {
      deployments: sidebar.deployments,
      setEndpointExtras: render => sidebar.setEndpointExtras(render)
    };
  }
};

export default [plugin, newDeploymentPlugin, chatPlugin];
