// Command lines: quoting arguments into the `sh -c` script of vLLM's Ray mode, reading
// flags back from the containers of deployments made outside the extension, and the
// argument lines typed into the new-deployment form.

const SHELL_SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** `word` quoted for a POSIX shell; unchanged when it needs no quoting. */
export function shellQuote(word: string): string {
  if (SHELL_SAFE.test(word)) {
    return word;
  }
  return `'${word.replace(/'/g, "'\\''")}'`;
}

/**
 * The words of a shell script, splitting on whitespace and `;`, `&&`, `||`, honouring
 * single and double quotes and backslashes. Enough to read flags; not a shell.
 */
export function shellSplit(script: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  const flush = () => {
    if (inWord) {
      words.push(word);
    }
    word = '';
    inWord = false;
  };
  for (let i = 0; i < script.length; i++) {
    const char = script[i];
    if (quote) {
      if (char === quote) {
        quote = undefined;
      } else if (char === '\\' && quote === '"' && i + 1 < script.length) {
        word += script[++i];
      } else {
        word += char;
      }
    } else if (char === '"' || char === "'") {
      quote = char;
      inWord = true;
    } else if (char === '\\' && i + 1 < script.length) {
      word += script[++i];
      inWord = true;
    } else if (/\s|;|&|\|/.test(char)) {
      flush();
    } else {
      word += char;
      inWord = true;
    }
  }
  flush();
  return words;
}

/** The value of the first of `flags` in `words` (`--flag value` or `--flag=value`). */
export function flagValue(
  words: readonly string[],
  flags: readonly string[]
): string | undefined {
  for (let i = 0; i < words.length; i++) {
    for (const flag of flags) {
      if (words[i] === flag && i + 1 < words.length) {
        return words[i + 1];
      }
      if (words[i].startsWith(`${flag}=`)) {
        return words[i].slice(flag.length + 1);
      }
    }
  }
  return undefined;
}

/** `flagValue` as a positive integer, or undefined. */
export function intFlagValue(
  words: readonly string[],
  flags: readonly string[]
): number | undefined {
  const value = flagValue(words, flags);
  if (value === undefined || !/^\d+$/.test(value)) {
    return undefined;
  }
  return Number(value);
}

/**
 * Words of an argument line, split on white space, honouring single and double quotes and
 * backslashes (so `--chat-template "a b"` is two words); a `problem` for an open quote.
 */
export function splitArgs(text: string): { value: string[]; problem?: string } {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quote) {
      if (char === quote) {
        quote = undefined;
      } else if (char === '\\' && quote === '"' && i + 1 < text.length) {
        word += text[++i];
      } else {
        word += char;
      }
    } else if (char === '"' || char === "'") {
      quote = char;
      inWord = true;
    } else if (char === '\\' && i + 1 < text.length) {
      word += text[++i];
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) {
        words.push(word);
      }
      word = '';
      inWord = false;
    } else {
      word += char;
      inWord = true;
    }
  }
  if (quote) {
    return {
      value: [],
      problem: `A ${quote === '"' ? 'double' : 'single'} quote is not closed.`
    };
  }
  if (inWord) {
    words.push(word);
  }
  return { value: words };
}

/** Arguments as one line that {@link splitArgs} reads back into the same words. */
export function joinArgs(args: readonly unknown[] | undefined): string {
  return (args ?? []).map(arg => shellQuote(String(arg))).join(' ');
}
