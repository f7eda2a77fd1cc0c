/** Reads a password from a TTY without echoing it. Resolves undefined on Ctrl-C / Ctrl-D. */
export function promptHidden(question: string, input: NodeJS.ReadStream = process.stdin, output: NodeJS.WritableStream = process.stderr): Promise<string | undefined> {
  return new Promise((resolve) => {
    // Raw mode first: anything typed after the prompt appears must not echo.
    const wasRaw = input.isRaw;
    input.setRawMode(true);
    output.write(question);
    input.resume();
    input.setEncoding('utf8');
    let value = '';
    const finish = (result: string | undefined): void => {
      input.off('data', onData);
      input.setRawMode(wasRaw);
      input.pause();
      output.write('\n');
      resolve(result);
    };
    const onData = (chunk: string): void => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return finish(value);
        if (ch === '\u0003' || (ch === '\u0004' && value === '')) return finish(undefined);
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else if (ch >= ' ') value += ch;
      }
    };
    input.on('data', onData);
  });
}

/** Reads the first line of a piped stdin (for scripts that do not want a password in argv). */
export function readLine(input: NodeJS.ReadableStream = process.stdin): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    let data = '';
    const onData = (chunk: Buffer | string): void => {
      data += chunk.toString();
      const nl = data.indexOf('\n');
      if (nl >= 0) done(data.slice(0, nl).replace(/\r$/, ''));
    };
    const onEnd = (): void => done(data === '' ? undefined : data.replace(/\r?\n$/, ''));
    const done = (line: string | undefined): void => {
      input.off('data', onData);
      input.off('end', onEnd);
      input.off('error', reject);
      input.pause();
      resolve(line);
    };
    input.on('data', onData);
    input.on('end', onEnd);
    input.on('error', reject);
  });
}

/** Reads the first `count` lines of a piped stdin (e.g. the old and the new password); fewer when it ends first. */
export function readLines(count: number, input: NodeJS.ReadableStream = process.stdin): Promise<string[]> {
  return new Promise((resolve, reject) => {
    let data = '';
    const lines: string[] = [];
    const take = (): boolean => {
      for (let nl = data.indexOf('\n'); nl >= 0 && lines.length < count; nl = data.indexOf('\n')) {
        lines.push(data.slice(0, nl).replace(/\r$/, ''));
        data = data.slice(nl + 1);
      }
      return lines.length >= count;
    };
    const onData = (chunk: Buffer | string): void => {
      data += chunk.toString();
      if (take()) done();
    };
    const onEnd = (): void => {
      if (data !== '' && lines.length < count) lines.push(data.replace(/\r?\n$/, ''));
      done();
    };
    const done = (): void => {
      input.off('data', onData);
      input.off('end', onEnd);
      input.off('error', reject);
      input.pause();
      resolve(lines);
    };
    input.on('data', onData);
    input.on('end', onEnd);
    input.on('error', reject);
  });
}
