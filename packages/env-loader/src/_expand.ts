/*
 * Variable expansion, ported line for line from dotenv-expand 12.0.3 (`expandValue` and the loop
 * in `expand`; BSD-2-Clause, Copyright (c) 2016, Scott Motte) so that results are identical,
 * including its quirks: a substituted value is itself expanded again, `seen` cuts
 * self-references, `${A-x}` behaves like `${A:-x}`, `replace` substitutes the first occurrence
 * of the reference text. The tests compare this port with dotenv-expand on generated input.
 *
 * Deliberate differences, each of which makes dotenv-expand hang or produce garbage:
 * - names are looked up as own properties only (dotenv-expand finds `Object.prototype`
 *   members: `${constructor}` loops forever, `$toString` gives "[object Undefined]");
 * - a reference without an operator is the whole name (dotenv-expand splits on the string
 *   "null": `${nullable}` becomes "able");
 * - a value that keeps growing (`A=a\$A` then `B=$A`) stops after a bounded number of
 *   substitutions instead of looping forever, and is reported.
 */

/** Looks a name up; `undefined` when it is not set at all. */
export type Lookup = (name: string) => string | undefined;

export interface ExpandedValue {
  value: string;
  /** References without a default whose variable was not set at all. */
  undefinedReferences: number;
  /** True when expansion did not settle; `value` is then the input unchanged. */
  looped: boolean;
}

const REFERENCE = /(?<!\\)\${([^{}]+)}|(?<!\\)\$([A-Za-z_][A-Za-z0-9_]*)/g;
const OPERATOR = /(:\+|\+|:-|-)/;
// Far more than any real value needs; a value that keeps growing reaches it in milliseconds.
const MAX_SUBSTITUTIONS = 1000;

/** True when `value` holds a reference dotenv-expand would expand. */
export function hasReference(value: string): boolean {
  return new RegExp(REFERENCE.source).test(value);
}

/**
 * dotenv-expand's `expandValue`. `lookup` sees every variable in precedence order; `running`
 * sees only the file values expanded so far (dotenv-expand's `runningParsed`).
 */
export function expandValue(
  value: string,
  lookup: Lookup,
  running: Lookup,
  maxLength: number,
): ExpandedValue {
  const regex = new RegExp(REFERENCE.source, "g");
  let result = value;
  const seen = new Set<string>();
  let undefinedReferences = 0;
  let substitutions = 0;

  for (let match = regex.exec(result); match !== null; match = regex.exec(result)) {
    substitutions += 1;
    if (substitutions > MAX_SUBSTITUTIONS || result.length > maxLength) {
      return { value, undefinedReferences, looped: true };
    }
    seen.add(result);

    const template = match[0];
    const expression = match[1] || match[2] || "";
    const splitter = OPERATOR.exec(expression)?.[0];
    const parts = splitter === undefined ? [expression] : expression.split(splitter);
    const key = parts.shift() ?? "";

    let defaultValue: string;
    let found: string | undefined;
    if (splitter === ":+" || splitter === "+") {
      defaultValue = lookup(key) ? parts.join(splitter) : "";
      found = undefined;
    } else {
      defaultValue = parts.join(splitter);
      found = lookup(key);
      if (found === undefined && splitter === undefined) undefinedReferences += 1;
    }

    // A string replacement, as dotenv-expand does: `$&`, `$$`… in a value act as patterns.
    if (found) result = result.replace(template, seen.has(found) ? defaultValue : found);
    else result = result.replace(template, defaultValue);

    if (result === running(key)) break;
    regex.lastIndex = 0;
  }
  return { value: result, undefinedReferences, looped: false };
}

/** dotenv-expand's last step: `\$` becomes a literal `$`. */
export function resolveEscapes(value: string): string {
  return value.replace(/\\\$/g, "$");
}
