// How far an engine has come loading the model weights, read from its log: the one
// progress a deployment reports besides its pods' states.

/** Shard-loading progress of the model weights, from the engine log. */
export interface ILoadingProgress {
  done: number;
  total: number;
  percent: number;
}

// vLLM and SGLang both log weight loading through tqdm; the bar is either vLLM's
// "47% Completed | 14/30" format or plain tqdm "47%|####  | 14/30" / "100% 1/1".
const SHARD_PROGRESS =
  /Loading (?:safetensors|pt) checkpoint shards:\s*(\d{1,3})%(?: Completed)?(?:\s*\|[^|\r\n]*\|)?\s*\|?\s*(\d+)\/(\d+)/g;

/** Reads how many weight shards the engine has loaded from its log (the last progress line wins). */
export function modelLoadingProgress(logText: string): ILoadingProgress | null {
  let last: RegExpMatchArray | null = null;
  for (const match of logText.matchAll(SHARD_PROGRESS)) {
    last = match;
  }
  if (!last) {
    return null;
  }
  const done = Number(last[2]);
  const total = Number(last[3]);
  if (total === 0 || done > total) {
    return null;
  }
  return { done, total, percent: Number(last[1]) };
}
