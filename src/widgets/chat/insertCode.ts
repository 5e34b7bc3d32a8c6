import type { JupyterFrontEnd } from '@jupyterlab/application';
import type { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { NotebookActions } from '@jupyterlab/notebook';

/**
 * Puts `code` into a cell of the active notebook (below the active cell, or into it when it is
 * an empty code cell), or of a new notebook when none is open; returns the notebook.
 */
export async function insertNotebookCell(
  app: JupyterFrontEnd,
  notebooks: INotebookTracker | null,
  code: string
): Promise<NotebookPanel> {
  let panel = notebooks?.currentWidget ?? null;
  if (!panel) {
    const kernelName =
      app.serviceManager.kernelspecs.specs?.default ?? 'python3';
    panel = (await app.commands.execute('notebook:create-new', {
      kernelName
    })) as NotebookPanel;
  }
  await panel.context.ready;
  app.shell.activateById(panel.id);
  const notebook = panel.content;
  const active = notebook.activeCell;
  const reuse =
    active?.model.type === 'code' &&
    active.model.sharedModel.getSource().trim() === '';
  if (!reuse) {
    NotebookActions.insertBelow(notebook);
  }
  notebook.activeCell?.model.sharedModel.setSource(code);
  return panel;
}
