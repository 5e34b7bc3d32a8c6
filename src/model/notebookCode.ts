// "Insert code": a notebook cell that calls the deployment with the `openai` Python client,
// streaming, so the user goes on in their own code.

/** In a notebook pod, the leader Service is reached through cluster DNS. */
export const DEFAULT_NOTEBOOK_URL_TEMPLATE =
  'http://{service}.{namespace}.svc.cluster.local:{port}';

/** Where the code should call. */
export interface INotebookTarget {
  service: string;
  namespace: string;
  port: number;
  /** The served model name. */
  model: string;
}

/**
 * The OpenAI base URL (`.../v1`) of a Service, from a template with `{service}`, `{namespace}`
 * and `{port}` (a setting: cluster DNS by default, a local engine in tests and demos).
 */
export function notebookBaseUrl(
  template: string,
  target: Omit<INotebookTarget, 'model'>
): string {
  const base = template
    .replace(/\{service\}/g, target.service)
    .replace(/\{namespace\}/g, target.namespace)
    .replace(/\{port\}/g, String(target.port));
  return `${base.replace(/\/+$/, '')}/v1`;
}

// A JSON string literal is a valid Python string literal (same escapes, \uXXXX included).
const py = (text: string) => JSON.stringify(text);

/** The cell's Python source: a streamed chat completion printed as it arrives. */
export function notebookCode(
  target: INotebookTarget,
  baseUrl: string,
  prompt = 'Say hello in one short sentence.'
): string {
  return [
    `# Chat with ${target.model} on ${target.service}:${target.port} (needs: pip install openai)`,
    'from openai import OpenAI',
    '',
    `client = OpenAI(base_url=${py(baseUrl)}, api_key="EMPTY")`,
    'stream = client.chat.completions.create(',
    `    model=${py(target.model)},`,
    `    messages=[{"role": "user", "content": ${py(prompt)}}],`,
    '    max_tokens=64,',
    '    stream=True,',
    ')',
    'for chunk in stream:',
    '    if chunk.choices and chunk.choices[0].delta.content:',
    '        print(chunk.choices[0].delta.content, end="", flush=True)',
    'print()'
  ].join('\n');
}
