// Splits a JSON array into the text of its elements as the file streams in, so a large import file
// is never parsed whole: each element is parsed on its own (and can be rejected on its own).

export class JsonArrayError extends Error {}

/**
 * Feed chunks of a JSON document whose top level is an array; each call returns the elements
 * completed so far, as text. Tracks strings and nesting only: each element's text is validated
 * when the caller parses it.
 */
export class JsonArraySplitter {
  private phase: 'before' | 'inside' | 'after' = 'before';
  private depth = 0;
  private inString = false;
  private escaped = false;
  private element: string[] = [];
  private started = false;

  push(chunk: string): string[] {
    const out: string[] = [];
    let text = chunk;
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    let from = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text[i] as string;
      if (this.phase !== 'inside') {
        if (/\s/.test(c)) continue;
        if (this.phase === 'before' && c === '[') {
          this.phase = 'inside';
          from = i + 1;
          continue;
        }
        throw new JsonArrayError(
          this.phase === 'before' ? 'the file must hold a JSON array of contacts ([…])' : 'unexpected text after the closing ]',
        );
      }
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === '\\') this.escaped = true;
        else if (c === '"') this.inString = false;
        continue;
      }
      if (c === '"') this.inString = true;
      else if (c === '{' || c === '[') this.depth++;
      else if ((c === '}' || c === ']') && this.depth > 0) this.depth--;
      else if (this.depth === 0 && (c === ',' || c === ']')) {
        this.element.push(text.slice(from, i));
        const element = this.element.join('').trim();
        this.element = [];
        from = i + 1;
        if (element !== '' || c === ',') out.push(element);
        if (c === ']') this.phase = 'after';
      }
    }
    if (this.phase === 'inside') this.element.push(text.slice(from));
    return out;
  }

  end(): void {
    if (this.phase !== 'after') throw new JsonArrayError(this.phase === 'before' ? 'the file is empty' : 'the JSON array is never closed');
  }
}

/** The text of every element of a streamed JSON array. */
export async function* jsonArrayElements(chunks: AsyncIterable<string>): AsyncGenerator<string> {
  const splitter = new JsonArraySplitter();
  for await (const chunk of chunks) yield* splitter.push(chunk);
  splitter.end();
}
