// A POSIX sh script read back as its commands' words, never run: what `config`'s shell writer
// writes (train.sh: one `accelerate launch SCRIPT --flag value ...` command, its lines continued with
// a backslash) split as sh splits it (POSIX XCU 2.2 Quoting, 2.3 Token Recognition: comments,
// backslash-newline, single quotes, double quotes, backslash escapes). A script with an expansion
// ($, `), a glob or an operator (; & | < > ( )) outside single quotes is refused: its words are not
// in its text. Pure.

/** One command's words, with the line it starts on. */
export interface ShellCommand {
  words: string[];
  line: number;
}

/** The commands of a script (one a line, after continuations), each as its words; throws a SyntaxError on what sh would expand. */
export function shellCommands(text: string): ShellCommand[] {
  const commands: ShellCommand[] = [];
  let words: string[] = [];
  let word: string | null = null;
  let line = 1;
  let start = 1;
  const refuse = (what: string) => {
    throw new SyntaxError(`line ${line}: ${what} (the words would not be the text's)`);
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && text[i + 1] === '\n') {
      i++;
      line++;
      continue;
    }
    if (word === null && c === '#') {
      while (i + 1 < text.length && text[i + 1] !== '\n') i++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\n') {
      if (word !== null) words.push(word);
      word = null;
      if (c === '\n') {
        if (words.length) commands.push({ words, line: start });
        words = [];
        line++;
        start = line;
      }
      continue;
    }
    // a variable standing alone as a word, after a flag's `=` or an environment word's ($MODEL_NAME,
    // ${OUTPUT_DIR} as the diffusers READMEs launch; NPROC_PER_NODE=$nproc_per_node as ms-swift's),
    // or expr's integer arithmetic of numbers and variables ($(expr 16 / $nproc_per_node), ms-swift's
    // gradient accumulation): kept as written, for the reader to expand from the script's own
    // assignments or say its value is not in the file
    if (c === '$') {
      const variable =
        /^\$(\{[A-Za-z_]\w*\}|[A-Za-z_]\w*)(?=[\s\\]|$)/.exec(text.slice(i)) ??
        /^\$\(expr(?:[ \t]+(?:\d+|\$\{?[A-Za-z_]\w*\}?|[-+/]|\\\*))+[ \t]*\)(?=[\s\\]|$)/.exec(text.slice(i));
      if (variable && (word === null || /^(--[\w-]+|[A-Za-z_]\w*)=$/.test(word))) {
        word = (word ?? '') + variable[0];
        i += variable[0].length - 1;
        continue;
      }
    }
    if (/[$`;&|<>()*?[~]/.test(c)) refuse(`an unquoted ${c}`);
    if (word === null && !words.length) start = line;
    word ??= '';
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) refuse('an unterminated single quote');
      const quoted = text.slice(i + 1, end);
      line += quoted.split('\n').length - 1;
      word += quoted;
      i = end;
    } else if (c === '"') {
      let k = i + 1;
      for (; k < text.length && text[k] !== '"'; k++) {
        if (/[$`]/.test(text[k]!)) refuse(`a ${text[k]} in double quotes`);
        // inside double quotes a backslash escapes only $ ` " \ and a newline
        if (text[k] === '\\' && /[$`"\\\n]/.test(text[k + 1] ?? '')) {
          k++;
          if (text[k] === '\n') {
            line++;
            continue;
          }
        }
        if (text[k] === '\n') line++;
        word += text[k];
      }
      if (k >= text.length) refuse('an unterminated double quote');
      i = k;
    } else if (c === '\\') {
      if (i + 1 >= text.length) refuse('a backslash at the end');
      word += text[++i];
    } else word += c;
  }
  if (word !== null) words.push(word);
  if (words.length) commands.push({ words, line: start });
  return commands;
}
