import type { IDiagnosisEvent } from './diagnose';

/** Pasted or piped text split into Kubernetes events and engine log lines. */
export interface IDiagnoseInput {
  events: IDiagnosisEvent[];
  logs: string;
}

// Single-word event reasons cannot be told apart from other "Word: text" lines by shape;
// these are the ones the kubelet, scheduler and controllers emit for pods.
const KNOWN_REASONS = new Set([
  'BackOff',
  'Created',
  'Evicted',
  'Failed',
  'FailedAttachVolume',
  'FailedCreate',
  'FailedCreatePodSandBox',
  'FailedMount',
  'FailedScheduling',
  'Killing',
  'OOMKilling',
  'Preempted',
  'Pulled',
  'Pulling',
  'Scheduled',
  'Started',
  'Unhealthy'
]);

// `Reason: message`, unindented: "FailedScheduling: 0/4 nodes are available: ...".
const REASON_LINE = /^(?<reason>[A-Z][A-Za-z]+): (?<message>.+)$/;

// A CamelCase word of two or more parts is an event reason unless it names a Python
// exception or warning, which share the shape ("ValueError: ...").
const COMPOUND_REASON = /^(?:[A-Z][a-z]+){2,}$/;
const EXCEPTION_NAME = /(?:Error|Exception|Warning|Interrupt|Exit)$/;

// A row of `kubectl describe pod`'s Events table: Type, Reason, Age, From, Message,
// separated by two or more spaces ("From" may read "kubelet, node-1").
const DESCRIBE_ROW =
  /^\s*(?<type>Normal|Warning)\s{2,}(?<reason>[A-Za-z]+)\s{2,}\S+(?: \(x\d+ over \S+\))?\s{2,}.+?\s{2,}(?<message>\S.*)$/;

// A row of `kubectl get events`: Last seen, Type, Reason, Object, Message.
const GET_EVENTS_ROW =
  /^\s*\S+\s+(?<type>Normal|Warning)\s+(?<reason>[A-Za-z]+)\s+(?<object>[a-z]+\/\S+)\s+(?<message>\S.*)$/;

/** Splits CLI input into events (`Reason: message` lines, kubectl event rows or event JSON) and log text. */
export function parseDiagnoseInput(text: string): IDiagnoseInput {
  const fromJson = eventsFromJson(text);
  if (fromJson) {
    return { events: fromJson, logs: '' };
  }
  const events: IDiagnosisEvent[] = [];
  const logs: string[] = [];
  for (const line of text.split(/\r\n|\n/)) {
    const event = eventFromLine(line);
    if (event) {
      events.push(event);
    } else {
      logs.push(line);
    }
  }
  return { events, logs: logs.join('\n') };
}

function eventFromLine(line: string): IDiagnosisEvent | undefined {
  const reasonLine = REASON_LINE.exec(line)?.groups;
  if (reasonLine && isEventReason(reasonLine.reason)) {
    return { reason: reasonLine.reason, message: reasonLine.message };
  }
  const row = (DESCRIBE_ROW.exec(line) ?? GET_EVENTS_ROW.exec(line))?.groups;
  if (row) {
    const event: IDiagnosisEvent = {
      reason: row.reason,
      message: row.message,
      type: row.type
    };
    if (row.object) {
      const [kind, name] = row.object.split('/');
      event.involvedObject = { kind: capitalise(kind), name };
    }
    return event;
  }
  return undefined;
}

function isEventReason(word: string): boolean {
  return (
    KNOWN_REASONS.has(word) ||
    (COMPOUND_REASON.test(word) && !EXCEPTION_NAME.test(word))
  );
}

// `kubectl get events -o json` (a List) or a single event object.
function eventsFromJson(text: string): IDiagnosisEvent[] | undefined {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{')) {
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    return undefined;
  }
  const items = (parsed as { items?: unknown }).items;
  const candidates = Array.isArray(items) ? items : [parsed];
  const events = candidates.filter(isEventObject);
  return events.length > 0 ? events : undefined;
}

function isEventObject(value: unknown): value is IDiagnosisEvent {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const { reason, message } = value as Record<string, unknown>;
  return typeof reason === 'string' || typeof message === 'string';
}

function capitalise(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
