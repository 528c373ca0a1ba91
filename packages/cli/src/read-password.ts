// Reading a password for `npr users set-password` / `users create --password-stdin`: from a terminal,
// prompted on stderr and not echoed; from a pipe, the first line (so scripts can `printf 'pw\n' | npr ...`).
// Never from the command line, where it would end up in shell history and `ps`.

export class PasswordInputError extends Error {}

type Input = NodeJS.ReadStream;

/** The first line of a non-terminal input, without its line ending; null when the input is empty. */
export function readLine(input: Input): Promise<string | null> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const finish = (value: string | null) => {
      input.off('data', onData);
      input.off('end', onEnd);
      input.off('error', onError);
      input.pause();
      resolve(value === null ? null : value.replace(/\r$/, ''));
    };
    const onData = (chunk: string) => {
      buffered += chunk;
      const newline = buffered.indexOf('\n');
      if (newline >= 0) finish(buffered.slice(0, newline));
    };
    const onEnd = () => finish(buffered.length ? buffered : null);
    const onError = (err: Error) => reject(err);
    input.setEncoding('utf8');
    input.on('data', onData);
    input.on('end', onEnd);
    input.on('error', onError);
    input.resume();
  });
}

/** Prompts on `output` and reads a line from a terminal in raw mode, echoing nothing. Ctrl-C aborts. */
export function readHidden(prompt: string, input: Input, output: NodeJS.WriteStream): Promise<string | null> {
  return new Promise((resolve, reject) => {
    let chars: string[] = [];
    const restore = () => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      output.write('\n');
    };
    const onData = (chunk: string) => {
      if (chunk.startsWith('\u001b')) return; // arrow keys and other escape sequences
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') {
          restore();
          return resolve(chars.join(''));
        }
        if (ch === '\u0003') {
          restore();
          return reject(new PasswordInputError('interrupted'));
        }
        if (ch === '\u0004') {
          restore();
          return resolve(chars.length ? chars.join('') : null);
        }
        if (ch === '\u007f' || ch === '\b') chars = chars.slice(0, -1);
        else if (ch === '\u0015') chars = []; // Ctrl-U: start again
        else if (ch >= ' ') chars.push(ch);
      }
    };
    // no echo before the prompt appears, or fast typists (and tests) would see their first characters
    input.setEncoding('utf8');
    input.setRawMode(true);
    output.write(prompt);
    input.on('data', onData);
    input.resume();
  });
}

/**
 * A new password for `email`: typed twice (not echoed) when stdin is a terminal, else the first line of
 * stdin. Throws PasswordInputError when there is none, `problem` finds one (terminal: before the second
 * entry) or the two entries differ.
 */
export async function readNewPassword(
  email: string,
  options: { problem?: (password: string) => string | null; input?: Input; output?: NodeJS.WriteStream } = {},
): Promise<string> {
  const { input = process.stdin, output = process.stderr } = options;
  if (!input.isTTY) {
    const line = await readLine(input);
    if (line === null || line === '') throw new PasswordInputError('no password on stdin (give it as one line, e.g. printf \'%s\\n\' "$PASSWORD" | npr ...)');
    return line;
  }
  const first = await readHidden(`New password for ${email}: `, input, output);
  if (!first) throw new PasswordInputError('no password given');
  // say what is wrong before asking for it a second time
  const problem = options.problem?.(first);
  if (problem) throw new PasswordInputError(`password refused: ${problem}`);
  const again = await readHidden('Same password again: ', input, output);
  if (again !== first) throw new PasswordInputError('the two passwords differ; nothing changed');
  return first;
}
