/** Maps offsets in a text to 1-based lines and columns (columns in Unicode code points). */
export class LineIndex {
  readonly #text: string;
  readonly #starts: number[];

  constructor(text: string) {
    this.#text = text;
    this.#starts = [0];
    for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1))
      this.#starts.push(i + 1);
  }

  get lineCount(): number {
    return this.#starts.length;
  }

  /** 1-based line containing `offset` (an offset equal to the text's length is on the last line). */
  lineOf(offset: number): number {
    let low = 0;
    let high = this.#starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.#starts[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    return low + 1;
  }

  columnOf(offset: number): number {
    const start = this.#starts[this.lineOf(offset) - 1]!;
    let column = 1;
    for (const _ of this.#text.slice(start, offset)) column += 1;
    return column;
  }

  /** Offset where 1-based `line` starts. */
  startOf(line: number): number {
    return this.#starts[line - 1] ?? this.#text.length;
  }

  /** Offset of the end of 1-based `line` (its `\n`, or the end of the text). */
  endOf(line: number): number {
    const next = this.#starts[line];
    return next === undefined ? this.#text.length : next - 1;
  }

  /** The text of 1-based `line`, without its `\n`. */
  textOf(line: number): string {
    return this.#text.slice(this.startOf(line), this.endOf(line));
  }
}
