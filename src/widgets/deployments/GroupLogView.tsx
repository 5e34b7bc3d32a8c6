import type { TranslationBundle } from '@jupyterlab/translation';
import {
  Button,
  downloadIcon,
  InputGroup,
  ReactWidget,
  searchIcon,
  UseSignal
} from '@jupyterlab/ui-components';
import type { IDisposable } from '@lumino/disposable';
import type { Message } from '@lumino/messaging';
import { Signal } from '@lumino/signaling';
import React from 'react';

import { LogSearch, LogTail } from '../../api/logTail';
import { clockTime } from '../../model/groupLog';
import type { DeploymentsViewModel } from './DeploymentsViewModel';
import type { IGroupLogEntry, IGroupMember } from './groupLog';
import { GroupLog } from './groupLog';
import { VirtualLog } from './LogsView';

/** Options of a {@link GroupLogView}. */
export interface IGroupLogViewOptions {
  model: DeploymentsViewModel;
  deployment: string;
  /** The group's index in the LWS. */
  group: number;
  /** Lines kept per pod and in the merged log (the `logTailLines` setting). */
  tailLines: number;
  trans: TranslationBundle;
}

/** How often the merged lines are rebuilt at most while logs stream, in ms. */
const MERGE_INTERVAL_MS = 250;

/**
 * The log of a whole LWS group in one tab: every pod's lines (leader and workers) in the
 * order of their timestamps, each labelled with its pod's role, searchable and downloadable.
 * A multi-node start or crash is read across pods: a worker's NCCL error just before the
 * leader's timeout. {@link GroupLog} follows the pods; this view renders the merge.
 */
export class GroupLogView extends ReactWidget {
  constructor(options: IGroupLogViewOptions) {
    super();
    this._options = options;
    const { trans, deployment, group } = options;
    this.addClass('jp-lws-LogsView');
    this.addClass('jp-lws-GroupLogView');
    this.id = `jp-lws-group-log-${deployment}-${group}-${Math.random().toString(36).slice(2, 8)}`;
    this.title.label = trans.__('Log: %1 group %2', deployment, group);
    this.title.caption = trans.__(
      'The logs of every pod of group %1 of %2, merged in time order',
      group,
      deployment
    );
    this.title.closable = true;
    options.model.changed.connect(this._onModelChanged, this);
    this._connect();
  }

  get deployment(): string {
    return this._options.deployment;
  }

  get group(): number {
    return this._options.group;
  }

  /** The pods' logs (for tests). */
  get groupLog(): GroupLog | null {
    return this._log;
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._options.model.changed.disconnect(this._onModelChanged, this);
    if (this._timer !== null) {
      clearTimeout(this._timer);
    }
    for (const registration of this._registrations) {
      registration.dispose();
    }
    this._log?.dispose();
    this._log = null;
    super.dispose();
  }

  protected onCloseRequest(msg: Message): void {
    super.onCloseRequest(msg);
    this.dispose();
  }

  protected onAfterHide(msg: Message): void {
    super.onAfterHide(msg);
    this._log?.pause();
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this._log?.resume();
  }

  protected onActivateRequest(msg: Message): void {
    super.onActivateRequest(msg);
    this.node.querySelector<HTMLElement>('.jp-lws-LogLines')?.focus();
  }

  render(): JSX.Element {
    return (
      <UseSignal signal={this._changed}>
        {() => this._renderContent()}
      </UseSignal>
    );
  }

  private _renderContent(): JSX.Element {
    const { trans } = this._options;
    const entries = this._log?.entries ?? [];
    return (
      <div
        className="jp-lws-LogsView-content"
        data-testid="lws-group-log"
        data-group={this._options.group}
      >
        <div className="jp-lws-LogsView-toolbar" role="toolbar">
          <InputGroup
            className="jp-lws-LogsView-search"
            type="search"
            placeholder={trans.__('Search the log')}
            aria-label={trans.__('Search the log')}
            data-testid="lws-logs-search"
            value={this._search.query}
            rightIcon={searchIcon}
            onChange={event => this._setQuery(event.currentTarget.value)}
          />
          <Button
            small
            minimal
            onClick={() => this._download()}
            disabled={this._tail.size === 0}
            title={trans.__('Download the merged lines as a file')}
            aria-label={trans.__('Download')}
            data-testid="lws-logs-download"
          >
            <downloadIcon.react tag="span" />
          </Button>
        </div>
        <p className="jp-lws-LogsView-status" data-testid="lws-logs-status">
          {this._statusText()}
        </p>
        <ul
          className="jp-lws-GroupLogView-pods"
          aria-label={trans.__('Pods of the group')}
        >
          {entries.map(entry => (
            <li
              key={entry.member.name}
              data-testid="lws-group-log-pod"
              data-pod={entry.member.name}
              data-state={entry.stream.state}
            >
              <span className="jp-lws-GroupLogView-label">
                {this._label(entry.member)}
              </span>{' '}
              {entry.member.name} · {this._podState(entry)}
            </li>
          ))}
        </ul>
        <VirtualLog
          search={this._search}
          separators={this._separatorSeqs}
          version={this._version}
          query={this._search.query}
          trans={trans}
        />
      </div>
    );
  }

  private _statusText(): string {
    const { trans } = this._options;
    const kept = this._tail.size;
    const counts = this._search.active
      ? trans.__('%1 of %2 lines match', this._search.count, kept)
      : trans.__('%1 lines', kept);
    const bounded =
      kept >= this._options.tailLines
        ? ` · ${trans.__('older lines dropped (keeps the newest %1)', this._options.tailLines)}`
        : '';
    return `${trans.__('All pods of the group, in time order (UTC)')} · ${counts}${bounded}`;
  }

  private _podState(entry: IGroupLogEntry): string {
    const { trans } = this._options;
    switch (entry.follow.phase) {
      case 'gone':
        return entry.follow.read
          ? trans.__('gone: its last lines stay')
          : trans.__('no such pod (any more)');
      case 'waiting':
        return trans.__('waiting for its container to start');
    }
    switch (entry.stream.state) {
      case 'connecting':
        return trans.__('connecting…');
      case 'streaming':
        return trans.__('following live');
      case 'ended':
        return trans.__('the log ended (the container stopped)');
      case 'error':
        return trans.__(
          'cannot read the log: %1',
          entry.stream.error?.message ?? ''
        );
      case 'paused':
        return trans.__('paused');
      case 'stopped':
        return trans.__('stopped');
    }
  }

  private _label(member: IGroupMember): string {
    const { trans } = this._options;
    return member.role === 'leader'
      ? trans.__('leader')
      : trans.__('worker %1', member.workerIndex);
  }

  private _connect(): void {
    const { model, trans, tailLines } = this._options;
    const source = model.namespace.logs;
    if (!source || this._log) {
      return;
    }
    this._log = new GroupLog({
      source,
      tailLines,
      separator: (member, action, restarts) =>
        action === 'restarted'
          ? trans.__(
              '──── %1: the container of %2 restarted (restart %3); its new log follows ────',
              new Date().toLocaleTimeString(),
              this._label(member),
              restarts
            )
          : trans.__(
              '──── %1: %2 was recreated; the log of the new pod follows ────',
              new Date().toLocaleTimeString(),
              this._label(member)
            )
    });
    this._log.changed.connect(this._scheduleMerge, this);
    this._onModelChanged();
  }

  private _onModelChanged(): void {
    if (!this._log) {
      // The namespace's log transport comes with its context: connect once it is there.
      this._connect();
      return;
    }
    const log = this._log;
    const { model, deployment, group } = this._options;
    const overview = model.overview(deployment);
    const status = overview?.status.groups.find(g => g.index === group);
    const summaries = status
      ? [...(status.leader ? [status.leader] : []), ...status.workers]
      : [];
    const known = new Set(log.entries.map(entry => entry.stream));
    log.update(
      summaries.map(summary => ({
        name: summary.name,
        role: summary.role,
        workerIndex: summary.role === 'leader' ? 0 : summary.workerIndex,
        pod: overview?.pods.find(pod => pod.metadata?.name === summary.name)
      }))
    );
    for (const entry of log.entries) {
      if (!known.has(entry.stream)) {
        // The deployment list reads no background log of what a view follows.
        this._registrations.push(model.addLogViewer(deployment, entry.stream));
      }
    }
  }

  private _scheduleMerge(): void {
    if (this._timer === null) {
      this._timer = setTimeout(() => {
        this._timer = null;
        this._merge();
      }, MERGE_INTERVAL_MS);
    }
  }

  // The merged lines as one bounded tail the search and the virtual window read.
  private _merge(): void {
    const log = this._log;
    if (!log || this.isDisposed) {
      return;
    }
    const lines = log.lines();
    const width = Math.max(
      0,
      ...log.entries.map(entry => this._label(entry.member).length)
    );
    const tail = new LogTail(this._options.tailLines);
    const separators = new Set<number>();
    tail.push(
      lines.map(({ entry, line, separator }, index) => {
        // The tail holds all of them (as many as it keeps): line i has sequence number i.
        if (separator) {
          separators.add(index);
        }
        const time = clockTime(line.key).padEnd(12);
        return `${time} ${this._label(entry.member).padEnd(width)} │ ${line.text}`;
      })
    );
    const query = this._search.query;
    this._tail = tail;
    this._search = new LogSearch(tail);
    this._search.query = query;
    this._search.update();
    this._separatorSeqs = separators;
    this._version += 1;
    this._changed.emit();
  }

  private _setQuery(query: string): void {
    this._search.query = query;
    this._search.update();
    this._version += 1;
    this._changed.emit();
  }

  private _download(): void {
    const blob = new Blob([this._tail.text() + '\n'], {
      type: 'text/plain;charset=utf-8'
    });
    const url = URL.createObjectURL(blob);
    const link = document.createElement('a');
    link.href = url;
    link.download = `${this._options.deployment}-group-${this._options.group}.log`;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  private _options: IGroupLogViewOptions;
  private _log: GroupLog | null = null;
  private _registrations: IDisposable[] = [];
  private _tail = new LogTail(1);
  private _search = new LogSearch(this._tail);
  private _separatorSeqs: ReadonlySet<number> = new Set();
  private _version = 0;
  private _timer: ReturnType<typeof setTimeout> | null = null;
  private _changed = new Signal<this, void>(this);
}
