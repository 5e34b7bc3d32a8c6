import type { TranslationBundle } from '@jupyterlab/translation';
import {
  Button,
  downloadIcon,
  HTMLSelect,
  InputGroup,
  ReactWidget,
  refreshIcon,
  searchIcon,
  UseSignal
} from '@jupyterlab/ui-components';
import type { IDisposable } from '@lumino/disposable';
import type { Message } from '@lumino/messaging';
import { Signal } from '@lumino/signaling';
import React, { useEffect, useLayoutEffect, useRef, useState } from 'react';

import type { LogStreamState } from '../../api/logStream';
import { LogStream } from '../../api/logStream';
import { LogSearch } from '../../api/logTail';
import { untrustedText } from '../../model/shownText';
import type { DeploymentsViewModel } from './DeploymentsViewModel';
import type { FollowAction, IFollowState } from './followedPod';
import { followPod, podLife, UNSEEN } from './followedPod';
import { atBottom, visibleRows } from './virtualWindow';

/** Height of one log line in pixels; the stylesheet sets the same. */
export const LOG_LINE_HEIGHT = 18;

/** Options of a {@link LogsView}. */
export interface ILogsViewOptions {
  model: DeploymentsViewModel;
  deployment: string;
  pod: string;
  /** Lines kept (the `logTailLines` setting). */
  tailLines: number;
  trans: TranslationBundle;
}

/**
 * The log of one pod of a deployment, followed live: a bounded tail, searchable, downloadable,
 * rendering only the visible lines.
 *
 * #### Notes
 * The view owns exactly one {@link LogStream} at a time: closing the tab disposes the view and
 * cancels its request, choosing another pod replaces it, a hidden tab pauses it (and resumes
 * from its last line when shown); the log travels over the page's live channel, and a lost
 * channel pauses it until the channel is back. When the pod goes, its
 * last lines stay and the status says it is gone; when its container restarts or LWS
 * recreates the pod under the same name, the new log follows below a separator line
 * ({@link followPod} decides).
 */
export class LogsView extends ReactWidget {
  constructor(options: ILogsViewOptions) {
    super();
    this._options = options;
    this._pod = options.pod;
    this.addClass('jp-lws-LogsView');
    this.id = `jp-lws-logs-${options.deployment}-${Math.random().toString(36).slice(2, 8)}`;
    this.title.closable = true;
    options.model.changed.connect(this._onModelChanged, this);
    this._connect();
  }

  get deployment(): string {
    return this._options.deployment;
  }

  get pod(): string {
    return this._pod;
  }

  /** The open stream (for tests). */
  get stream(): LogStream | null {
    return this._stream;
  }

  /** Where the view is with its pod name (for tests). */
  get followState(): IFollowState {
    return this._follow;
  }

  /** Shows another pod's (or the previous container's) log. */
  select(pod: string, previous = this._previous): void {
    if (pod === this._pod && previous === this._previous) {
      return;
    }
    this._pod = pod;
    this._previous = previous;
    this._connect();
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._options.model.changed.disconnect(this._onModelChanged, this);
    this._registration?.dispose();
    this._stream?.dispose();
    this._stream = null;
    super.dispose();
  }

  /** Follows the log again from the last line read. */
  follow(): void {
    this._stream?.resume();
  }

  protected onCloseRequest(msg: Message): void {
    super.onCloseRequest(msg);
    // A closed tab is gone for good: its request ends now and the opener forgets it.
    this.dispose();
  }

  protected onAfterHide(msg: Message): void {
    super.onAfterHide(msg);
    // A log nobody sees costs no upstream request of the Jupyter server.
    this._stream?.pause();
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    if (this._pending) {
      this._read(this._pending.separator);
    } else if (this._stream?.state === 'paused') {
      this._stream.resume();
    }
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
    const { trans, model, deployment } = this._options;
    const stream = this._stream;
    const pods = (model.overview(deployment)?.pods ?? []).map(
      pod => pod.metadata?.name ?? ''
    );
    if (!pods.includes(this._pod)) {
      pods.push(this._pod);
    }
    return (
      <div
        className="jp-lws-LogsView-content"
        data-testid="lws-logs"
        data-pod={this._pod}
        data-state={stream?.state ?? ''}
        data-pod-phase={this._follow.phase}
      >
        <div className="jp-lws-LogsView-toolbar" role="toolbar">
          <HTMLSelect
            value={this._pod}
            aria-label={trans.__('Pod')}
            data-testid="lws-logs-pod"
            onChange={event => this.select(event.currentTarget.value)}
            options={pods}
          />
          <label className="jp-lws-LogsView-previous">
            <input
              type="checkbox"
              checked={this._previous}
              data-testid="lws-logs-previous"
              onChange={event =>
                this.select(this._pod, event.currentTarget.checked)
              }
            />
            {trans.__('previous container')}
          </label>
          <InputGroup
            className="jp-lws-LogsView-search"
            type="search"
            placeholder={trans.__('Search the log')}
            aria-label={trans.__('Search the log')}
            data-testid="lws-logs-search"
            value={this._search?.query ?? ''}
            rightIcon={searchIcon}
            onChange={event => this._setQuery(event.currentTarget.value)}
          />
          <Button
            small
            minimal
            onClick={() => this._connect()}
            title={trans.__('Read the log again from its tail')}
            aria-label={trans.__('Reconnect')}
            data-testid="lws-logs-reconnect"
          >
            <refreshIcon.react tag="span" />
          </Button>
          <Button
            small
            minimal
            onClick={() => this._download()}
            disabled={!stream || stream.tail.size === 0}
            title={trans.__('Download the kept lines as a file')}
            aria-label={trans.__('Download')}
            data-testid="lws-logs-download"
          >
            <downloadIcon.react tag="span" />
          </Button>
        </div>
        <p
          className={`jp-lws-LogsView-status${this._follow.phase === 'live' ? '' : ' jp-lws-mod-podAway'}`}
          data-testid="lws-logs-status"
        >
          {this._statusText()}
          {stream?.state === 'paused' && (
            <Button
              small
              className="jp-lws-LogsView-resume"
              onClick={() => this.follow()}
              title={trans.__('Follow this log again from the last line read')}
              data-testid="lws-logs-resume"
            >
              {trans.__('Follow')}
            </Button>
          )}
        </p>
        {this._search && (
          <VirtualLog
            search={this._search}
            separators={this._separators}
            version={this._version}
            query={this._search.query}
            trans={trans}
          />
        )}
      </div>
    );
  }

  private _statusText(): string {
    const { trans } = this._options;
    const stream = this._stream;
    if (!stream) {
      return '';
    }
    const kept = stream.tail.size;
    const search = this._search;
    const counts =
      search && search.active
        ? trans.__('%1 of %2 lines match', search.count, kept)
        : trans.__('%1 lines', kept);
    const dropped =
      stream.tail.dropped > 0
        ? ` · ${trans.__('older lines dropped (keeps the newest %1)', stream.tail.capacity)}`
        : '';
    return `${this._podText() ?? stateText(stream.state, stream.error, trans)} · ${counts}${dropped}`;
  }

  // What became of the pod, when that matters more than the stream's state.
  private _podText(): string | null {
    const { trans } = this._options;
    const { phase, read } = this._follow;
    if (phase === 'gone') {
      return read
        ? trans.__('The pod %1 is gone: its last lines stay here', this._pod)
        : trans.__('There is no pod %1 (any more)', this._pod);
    }
    if (phase === 'waiting') {
      return read
        ? trans.__(
            'The pod %1 was recreated: its log follows once its container starts',
            this._pod
          )
        : trans.__('Waiting for the container of %1 to start', this._pod);
    }
    return null;
  }

  private _setQuery(query: string): void {
    if (this._search) {
      this._search.query = query;
      this._search.update();
      this._version += 1;
      this._changed.emit();
    }
  }

  private _connect(): void {
    const { model, deployment, tailLines } = this._options;
    this._registration?.dispose();
    this._stream?.dispose();
    const logs = model.namespace.logs;
    const query = this._search?.query ?? '';
    this._stream = null;
    this._search = null;
    this._follow = UNSEEN;
    this._pending = null;
    this._separators = new Set();
    this.title.label = this._options.trans.__('Log: %1', this._pod);
    this.title.caption = this._options.trans.__(
      'Log of %1 (deployment %2)',
      this._pod,
      deployment
    );
    if (!logs) {
      this._changed.emit();
      return;
    }
    const pod = this._podObject();
    const stream = new LogStream({
      source: logs,
      pod: this._pod,
      container: pod?.spec?.containers?.[0]?.name,
      tailLines,
      previous: this._previous
    });
    this._stream = stream;
    this._search = new LogSearch(stream.tail);
    this._search.query = query;
    stream.changed.connect(() => {
      this._search?.update();
      this._version += 1;
      this._changed.emit();
    });
    this._registration = model.addLogViewer(deployment, stream);
    this._track();
    this._changed.emit();
  }

  private _podObject() {
    const { model, deployment } = this._options;
    return model
      .overview(deployment)
      ?.pods.find(candidate => candidate.metadata?.name === this._pod);
  }

  private _onModelChanged(): void {
    if (this._track() !== 'none') {
      this._changed.emit();
    }
  }

  // Follows the pod name through its lives: reads, stops, or continues below a separator.
  private _track(): FollowAction {
    const stream = this._stream;
    if (!stream) {
      return 'none';
    }
    const { state, action } = followPod(
      this._follow,
      podLife(this._podObject(), stream.container)
    );
    this._follow = state;
    const { trans } = this._options;
    const at = new Date().toLocaleTimeString();
    switch (action) {
      case 'read':
        this._read(null);
        break;
      case 'gone':
        stream.stop();
        break;
      case 'restarted':
        this._read(
          trans.__(
            '──── %1: the container restarted (restart %2); its new log follows ────',
            at,
            state.read?.restarts ?? 0
          )
        );
        break;
      case 'recreated':
        this._read(
          trans.__(
            '──── %1: the pod was recreated; the log of the new pod follows ────',
            at
          )
        );
        break;
    }
    return action;
  }

  // Reads the log from its tail (no separator) or, below a separator, a new container's log.
  // A tab in the background holds no connection: it reads when shown.
  private _read(separator: string | null): void {
    const stream = this._stream;
    if (!stream) {
      return;
    }
    if (this.isAttached && !this.isVisible) {
      stream.pause();
      // A first read still to make reads the newest pod from its tail, no separator needed.
      this._pending = {
        separator: this._pending?.separator === null ? null : separator
      };
      return;
    }
    this._pending = null;
    if (separator === null) {
      stream.start();
    } else {
      this._separators.add(stream.tail.endSeq);
      stream.continueWith(separator);
    }
  }

  private _download(): void {
    const stream = this._stream;
    if (!stream) {
      return;
    }
    const blob = new Blob([stream.tail.text() + '\n'], {
      type: 'text/plain;charset=utf-8'
    });
    const url = URL.createObjectURL(blob);
    const link = document.createElement('a');
    link.href = url;
    link.download = `${this._pod}${this._previous ? '-previous' : ''}.log`;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  private _options: ILogsViewOptions;
  private _pod: string;
  private _previous = false;
  private _stream: LogStream | null = null;
  private _search: LogSearch | null = null;
  private _registration: IDisposable | null = null;
  private _follow: IFollowState = UNSEEN;
  /** A read to make when the tab is shown again. */
  private _pending: { separator: string | null } | null = null;
  /** Sequence numbers of the separator lines in the tail. */
  private _separators = new Set<number>();
  private _version = 0;
  private _changed = new Signal<this, void>(this);
}

function stateText(
  state: LogStreamState,
  error: Error | null,
  trans: TranslationBundle
): string {
  switch (state) {
    case 'connecting':
      return trans.__('Connecting…');
    case 'streaming':
      return trans.__('Following live');
    case 'ended':
      return trans.__('The log ended (the container stopped)');
    case 'error':
      return trans.__('Cannot read the log: %1', error?.message ?? '');
    case 'paused':
      // With an error the pause is not the user's: the stream follows again by itself.
      return error
        ? trans.__(
            'Interrupted (%1); following again from the last line…',
            error.message
          )
        : trans.__('Paused, showing the lines read');
    case 'stopped':
      return trans.__('Stopped');
  }
}

/**
 * The shown lines, rendered as a window over a spacer as tall as all of them. Scrolling to
 * the bottom follows new lines; scrolling up stops following. (Also the group log's.)
 */
export function VirtualLog(props: {
  search: LogSearch;
  separators: ReadonlySet<number>;
  version: number;
  query: string;
  trans: TranslationBundle;
}): JSX.Element {
  const { search, query, trans } = props;
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(400);
  const [follow, setFollow] = useState(true);
  const count = search.count;
  const total = count * LOG_LINE_HEIGHT;

  useEffect(() => {
    const node = scroller.current;
    if (!node) {
      return;
    }
    const observer = new ResizeObserver(() => setHeight(node.clientHeight));
    observer.observe(node);
    setHeight(node.clientHeight);
    return () => observer.disconnect();
  }, []);

  useLayoutEffect(() => {
    const node = scroller.current;
    if (node && follow) {
      node.scrollTop = node.scrollHeight;
      setScrollTop(node.scrollTop);
    }
  }, [props.version, follow, count]);

  const { start, end } = visibleRows(scrollTop, height, LOG_LINE_HEIGHT, count);
  const lines = search.slice(start, end);
  return (
    <div className="jp-lws-LogsView-body">
      <div
        ref={scroller}
        className="jp-lws-LogLines"
        data-testid="lws-log-lines"
        data-count={count}
        tabIndex={0}
        role="log"
        aria-live="off"
        aria-label={trans.__('Log lines')}
        onScroll={event => {
          const node = event.currentTarget;
          setScrollTop(node.scrollTop);
          setFollow(
            atBottom(
              node.scrollTop,
              node.clientHeight,
              node.scrollHeight,
              LOG_LINE_HEIGHT
            )
          );
        }}
      >
        <div className="jp-lws-LogLines-spacer" style={{ height: total }}>
          {lines.map(({ seq, text }, offset) => (
            <div
              key={seq}
              className={`jp-lws-LogLine${props.separators.has(seq) ? ' jp-lws-LogLine-separator' : ''}`}
              data-testid="lws-log-line"
              data-separator={props.separators.has(seq) || undefined}
              style={{ top: (start + offset) * LOG_LINE_HEIGHT }}
            >
              {highlight(untrustedText(text), query)}
            </div>
          ))}
        </div>
      </div>
      {!follow && (
        <Button
          small
          className="jp-lws-LogsView-follow"
          onClick={() => setFollow(true)}
          data-testid="lws-logs-follow"
        >
          {trans.__('Follow new lines')}
        </Button>
      )}
    </div>
  );
}

function highlight(text: string, query: string): React.ReactNode {
  if (!query) {
    return text;
  }
  const lower = text.toLocaleLowerCase();
  const needle = query.toLocaleLowerCase();
  const parts: React.ReactNode[] = [];
  let from = 0;
  let at = lower.indexOf(needle);
  while (at >= 0) {
    parts.push(text.slice(from, at));
    parts.push(<mark key={at}>{text.slice(at, at + needle.length)}</mark>);
    from = at + needle.length;
    at = lower.indexOf(needle, from);
  }
  parts.push(text.slice(from));
  return parts;
}
