/**
 * `path` in an ingress rule is a regular expression matched, unanchored, against every request's
 * path. cloudflared compiles it with Go's RE2 (linear time); Burrow uses JavaScript's RegExp, which
 * backtracks, so a pattern such as `(a+)+$` could take exponential time on a visitor's path and
 * stall every stream of the connector. Patterns are therefore refused unless they are of a shape
 * that backtracks at most polynomially, with a bounded degree:
 *
 * 1. no backreferences (`\1`, `\k<name>`) and no lookaround (`(?=`, `(?!`, `(?<=`, `(?<!`) —
 *    RE2 has neither, so no cloudflared config uses them;
 * 2. no repeated group (`*`, `+`, `{n,}`, `{n,m}` with m > 1) that itself contains a quantifier or
 *    an alternation: `(a+)+`, `(a*)*`, `(a|ab)*` — the shapes that backtrack exponentially;
 * 3. at most {@link MAX_UNBOUNDED_QUANTIFIERS} unbounded quantifiers (`*`, `+`, `{n,}`) in all,
 *    which bounds the degree of the polynomial (`.*.*.*x` is cubic);
 * 4. at most {@link MAX_PATTERN_CHARS} characters.
 */
export const MAX_UNBOUNDED_QUANTIFIERS = 3;
export const MAX_PATTERN_CHARS = 1024;

/** A compiled path pattern, or why it was refused. */
export type PathRegexResult = { ok: true; regex: RegExp } | { ok: false; reason: string };

interface GroupState {
  quantified: boolean;
  alternation: boolean;
}

/** Checks `pattern` against the rules above and compiles it. */
export function compilePathRegex(pattern: string): PathRegexResult {
  if (pattern.length > MAX_PATTERN_CHARS) {
    return { ok: false, reason: `it is longer than ${MAX_PATTERN_CHARS} characters` };
  }
  const stack: GroupState[] = [{ quantified: false, alternation: false }];
  let unbounded = 0;
  // What the last atom was: a closed group (its state), another atom, or nothing to quantify.
  let lastAtom: GroupState | "atom" | null = null;
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;
    const top = stack[stack.length - 1]!;
    if (char === "\\") {
      const next = pattern[i + 1] ?? "";
      if (/[1-9]/.test(next) || next === "k") {
        return { ok: false, reason: "it uses a backreference, which RE2 (cloudflared) lacks" };
      }
      i++;
      lastAtom = "atom";
      continue;
    }
    if (char === "[") {
      // A character class is one atom; skip to its closing bracket, honouring escapes.
      let j = i + 1;
      if (pattern[j] === "^") j++;
      if (pattern[j] === "]") j++;
      while (j < pattern.length && pattern[j] !== "]") j += pattern[j] === "\\" ? 2 : 1;
      i = j;
      lastAtom = "atom";
      continue;
    }
    if (char === "(") {
      if (/^\(\?<?[=!]/.test(pattern.slice(i, i + 4))) {
        return { ok: false, reason: "it uses lookaround, which RE2 (cloudflared) lacks" };
      }
      stack.push({ quantified: false, alternation: false });
      lastAtom = null;
      continue;
    }
    if (char === ")") {
      if (stack.length === 1) return { ok: false, reason: "it has an unmatched )" };
      const closed = stack.pop()!;
      const parent = stack[stack.length - 1]!;
      parent.quantified ||= closed.quantified;
      parent.alternation ||= closed.alternation;
      lastAtom = closed;
      continue;
    }
    if (char === "|") {
      top.alternation = true;
      lastAtom = null;
      continue;
    }
    const quantifier = quantifierAt(pattern, i);
    if (quantifier) {
      if (quantifier.repeats && typeof lastAtom === "object" && lastAtom !== null) {
        if (lastAtom.quantified || lastAtom.alternation) {
          return {
            ok: false,
            reason: `it repeats a group that contains ${lastAtom.quantified ? "a quantifier" : "an alternation"} (e.g. (a+)+ or (a|b)*), which can take exponential time`,
          };
        }
      }
      if (quantifier.unbounded) unbounded++;
      top.quantified = true;
      i += quantifier.length - 1;
      // A lazy or possessive-looking suffix belongs to the quantifier.
      if (pattern[i + 1] === "?") i++;
      lastAtom = null;
      continue;
    }
    lastAtom = "atom";
  }
  if (stack.length > 1) return { ok: false, reason: "it has an unclosed (" };
  if (unbounded > MAX_UNBOUNDED_QUANTIFIERS) {
    return {
      ok: false,
      reason: `it has ${unbounded} unbounded quantifiers (*, +, {n,}); at most ${MAX_UNBOUNDED_QUANTIFIERS} keep matching time bounded`,
    };
  }
  try {
    return { ok: true, regex: new RegExp(pattern) };
  } catch (error) {
    return {
      ok: false,
      reason: `it is not a valid regular expression (${(error as Error).message})`,
    };
  }
}

/** The quantifier starting at `i`, if any: its length, whether it repeats, whether unbounded. */
function quantifierAt(
  pattern: string,
  i: number,
): { length: number; repeats: boolean; unbounded: boolean } | null {
  const char = pattern[i];
  if (char === "*" || char === "+") return { length: 1, repeats: true, unbounded: true };
  if (char === "?") return { length: 1, repeats: false, unbounded: false };
  if (char === "{") {
    const match = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i));
    if (!match) return null; // A literal brace, as JavaScript reads it without the u flag.
    const max = match[2] === undefined ? Number(match[1]) : match[3] ? Number(match[3]) : Infinity;
    return { length: match[0].length, repeats: max > 1, unbounded: max === Infinity };
  }
  return null;
}
