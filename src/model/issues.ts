import type { IDeploymentSpec } from './spec';

/** How bad an issue is: an error blocks rendering and deploying, a warning does not. */
export type Severity = 'error' | 'warning';

/**
 * One finding about a spec or a plan, with a stable id (e.g. `service-name-collision`)
 * that tests, the CLI's JSON and the UI rely on, and a message a user can act on.
 */
export interface IIssue {
  /** Stable rule id; search the code for it to find the rule and its test. */
  id: string;
  severity: Severity;
  /** What is wrong, why it matters (usually the guide's reason) and how to fix it. */
  message: string;
  /** The spec field the issue is about (dotted path), for the form to highlight. */
  field?: string;
  /** Spec fields that fix the issue, for the form to offer as a one-click change. */
  fix?: Partial<IDeploymentSpec>;
  /**
   * Where in the spec text the issue was found, as offsets [from, to), when the text itself
   * says (a YAML syntax error); the YAML editor marks it there.
   */
  range?: [number, number];
}

/** True when any of `issues` is an error. */
export function hasErrors(issues: readonly IIssue[]): boolean {
  return issues.some(issue => issue.severity === 'error');
}

/** An error issue. */
export function error(
  id: string,
  message: string,
  field?: string,
  fix?: Partial<IDeploymentSpec>
): IIssue {
  return withOptional({ id, severity: 'error', message }, field, fix);
}

/** A warning issue. */
export function warning(
  id: string,
  message: string,
  field?: string,
  fix?: Partial<IDeploymentSpec>
): IIssue {
  return withOptional({ id, severity: 'warning', message }, field, fix);
}

function withOptional(
  issue: IIssue,
  field: string | undefined,
  fix: Partial<IDeploymentSpec> | undefined
): IIssue {
  if (field !== undefined) {
    issue.field = field;
  }
  if (fix !== undefined) {
    issue.fix = fix;
  }
  return issue;
}
