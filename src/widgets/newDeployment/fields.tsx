import type { TranslationBundle } from '@jupyterlab/translation';
import { InputGroup } from '@jupyterlab/ui-components';
import React from 'react';

import type { FormField, IFormValues } from '../../model/formState';
import { formFieldOf } from '../../model/formState';
import type { IIssue } from '../../model/issues';
import { editOf } from './editViewModel';
import { fieldLabel, inputId } from './fieldLabels';
import type { NewDeploymentViewModel } from './viewModel';
import { translateData } from '../translateData';

/** The catalog's model ids, offered while typing a model. */
export const MODEL_LIST_ID = 'jp-lws-new-model-catalog';

/** What each fieldset of the form receives. */
export interface IFieldsetProps {
  model: NewDeploymentViewModel;
  /** The issues shown now (computed once per render of the form). */
  issues: readonly IIssue[];
  trans: TranslationBundle;
}

/** Form fields typed as text or a number. */
type TextField = Exclude<
  FormField,
  'engine' | 'rdma' | 'storage' | 'trustRemoteCode' | 'vllmMode'
>;

/** Form fields typed in a textarea, one entry per line. */
type AreaField =
  | 'rdmaNetworks'
  | 'rdmaResources'
  | 'engineArgs'
  | 'leaderArgs'
  | 'workerArgs'
  | 'env';

/**
 * The pieces every fieldset builds its inputs from, bound to the form's values and issues:
 * `field` (id, aria and test attributes of an input), `text`, `area`, and `row` (an input with
 * its label, help and messages).
 */
export function formInputs({ model, issues, trans }: IFieldsetProps) {
  const values = model.values;
  const set = (change: Partial<IFormValues>) => model.setValues(change);
  const field = (key: FormField) => ({
    id: inputId(key),
    'aria-invalid': issuesFor(issues, key, 'error').length > 0,
    'aria-describedby': `${inputId(key)}-messages`,
    'data-testid': `lws-new-${key}`,
    onBlur: () => model.touch(key)
  });
  const text = (
    key: TextField,
    placeholder?: string,
    type: 'text' | 'number' = 'text'
  ) => (
    <InputGroup
      {...field(key)}
      className="jp-lws-NewDeployment-input"
      type={type}
      min={type === 'number' ? 1 : undefined}
      value={values[key]}
      placeholder={placeholder}
      readOnly={editOf(model)?.isFixed(key) ?? false}
      spellCheck={false}
      autoComplete="off"
      list={key === 'model' ? MODEL_LIST_ID : undefined}
      onChange={event => set({ [key]: event.currentTarget.value })}
    />
  );
  const area = (key: AreaField, placeholder: string) => (
    <textarea
      {...field(key)}
      className="jp-mod-styled jp-lws-NewDeployment-textarea"
      rows={2}
      value={values[key]}
      placeholder={placeholder}
      spellCheck={false}
      onChange={event => set({ [key]: event.currentTarget.value })}
    />
  );
  const row = (key: FormField, input: JSX.Element, help?: string) => (
    <Field key={key} field={key} issues={issues} help={help} trans={trans}>
      {input}
    </Field>
  );
  return { values, set, field, text, area, row };
}

/** One labelled input with its help and its error messages. */
function Field(props: {
  field: FormField;
  issues: readonly IIssue[];
  help?: string;
  trans: TranslationBundle;
  children: React.ReactNode;
}): JSX.Element {
  const { field, trans } = props;
  const errors = issuesFor(props.issues, field, 'error');
  const warnings = issuesFor(props.issues, field, 'warning');
  const classes = ['jp-lws-NewDeployment-field'];
  if (errors.length > 0) {
    classes.push('jp-lws-mod-invalid');
  } else if (warnings.length > 0) {
    classes.push('jp-lws-mod-advised');
  }
  return (
    <div className={classes.join(' ')}>
      <label htmlFor={inputId(field)}>{fieldLabel(field, trans)}</label>
      {props.children}
      <div id={`${inputId(field)}-messages`}>
        {errors.map(issue => (
          <p
            key={`${issue.id}-${issue.message}`}
            className="jp-lws-NewDeployment-error"
            data-testid={`lws-new-error-${field}`}
            role="alert"
          >
            {translateData(trans, issue.message)}
          </p>
        ))}
        {warnings.map(issue => (
          // The advice itself, on the field it is about (the Advice pane lists all of it).
          <p
            key={`${issue.id}-${issue.message}`}
            className="jp-lws-NewDeployment-advised"
            data-testid={`lws-new-advice-${field}`}
          >
            {translateData(trans, issue.message)}
          </p>
        ))}
        {props.help && errors.length === 0 && (
          <p className="jp-lws-NewDeployment-help">{props.help}</p>
        )}
      </div>
    </div>
  );
}

/** A checkbox with its own label, in JupyterLab's look. */
export function Checkbox(props: {
  id: string;
  checked: boolean;
  label: string;
  onChange: (checked: boolean) => void;
  'data-testid'?: string;
  'aria-describedby'?: string;
  onBlur?: () => void;
}): JSX.Element {
  return (
    <span className="jp-lws-NewDeployment-checkbox">
      <input
        type="checkbox"
        id={props.id}
        data-testid={props['data-testid']}
        aria-describedby={props['aria-describedby']}
        onBlur={props.onBlur}
        checked={props.checked}
        onChange={event => props.onChange(event.currentTarget.checked)}
      />
      <span>{props.label}</span>
    </span>
  );
}

function issuesFor(
  issues: readonly IIssue[],
  field: FormField,
  severity: 'error' | 'warning'
): IIssue[] {
  return issues.filter(
    issue => issue.severity === severity && formFieldOf(issue.field) === field
  );
}
