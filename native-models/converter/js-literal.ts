/**
 * A parser for JavaScript *literals* (objects, arrays, strings, numbers, `!0`/`!1`, true/false/null), so the
 * model JSON that nsfwjs ships inside minified browserify bundles can be read without running the bundle.
 * Anything that is not a literal (a call, an identifier used as a value) is an error, never executed.
 */

export class LiteralSyntaxError extends Error {}

/** Parses the literal that starts at `src[start]`; returns its value and the index just past it. */
export function parseJsLiteral(src: string, start = 0): { value: unknown; end: number } {
  const p = new Parser(src, start);
  const value = p.value();
  return { value, end: p.pos };
}

class Parser {
  constructor(
    private readonly src: string,
    public pos: number,
  ) {}

  private fail(what: string): never {
    const around = this.src.slice(Math.max(0, this.pos - 20), this.pos + 20).replace(/\s+/g, ' ');
    throw new LiteralSyntaxError(`${what} at offset ${this.pos} (near "${around}")`);
  }

  private ws(): void {
    const s = this.src;
    while (this.pos < s.length) {
      const c = s.charCodeAt(this.pos);
      if (c === 32 || c === 9 || c === 10 || c === 13) this.pos++;
      else if (s.startsWith('/*', this.pos)) {
        const e = s.indexOf('*/', this.pos + 2);
        if (e < 0) this.fail('unterminated comment');
        this.pos = e + 2;
      } else break;
    }
  }

  value(): unknown {
    this.ws();
    const s = this.src;
    const c = s[this.pos];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"' || c === "'") return this.string();
    if (c === '!') {
      // Minifiers write true as !0 and false as !1.
      const d = s[this.pos + 1];
      if (d === '0' || d === '1') {
        this.pos += 2;
        return d === '0';
      }
      this.fail('unsupported negation');
    }
    if (c === '-' || c === '+' || c === '.' || (c !== undefined && c >= '0' && c <= '9')) return this.number();
    for (const [word, v] of [
      ['true', true],
      ['false', false],
      ['null', null],
      ['void 0', undefined],
      ['Infinity', Infinity],
      ['NaN', NaN],
    ] as const) {
      if (s.startsWith(word, this.pos) && !isIdentChar(s[this.pos + word.length])) {
        this.pos += word.length;
        return v;
      }
    }
    this.fail('not a literal');
  }

  private object(): Record<string, unknown> {
    const out: Record<string, unknown> = Object.create(null);
    this.pos++; // {
    for (;;) {
      this.ws();
      if (this.src[this.pos] === '}') {
        this.pos++;
        return out;
      }
      const key = this.key();
      this.ws();
      if (this.src[this.pos] !== ':') this.fail("expected ':'");
      this.pos++;
      out[key] = this.value();
      this.ws();
      const c = this.src[this.pos];
      if (c === ',') this.pos++;
      else if (c !== '}') this.fail("expected ',' or '}'");
    }
  }

  private key(): string {
    const s = this.src;
    const c = s[this.pos];
    if (c === '"' || c === "'") return this.string();
    if (c !== undefined && ((c >= '0' && c <= '9') || c === '.')) return String(this.number());
    const start = this.pos;
    while (isIdentChar(s[this.pos])) this.pos++;
    if (this.pos === start) this.fail('expected a property name');
    return s.slice(start, this.pos);
  }

  private array(): unknown[] {
    const out: unknown[] = [];
    this.pos++; // [
    for (;;) {
      this.ws();
      if (this.src[this.pos] === ']') {
        this.pos++;
        return out;
      }
      out.push(this.value());
      this.ws();
      const c = this.src[this.pos];
      if (c === ',') this.pos++;
      else if (c !== ']') this.fail("expected ',' or ']'");
    }
  }

  private string(): string {
    const s = this.src;
    const quote = s[this.pos]!;
    let i = this.pos + 1;
    // Fast path: no escapes (base64 weight shards are megabytes long).
    const end = s.indexOf(quote, i);
    if (end < 0) this.fail('unterminated string');
    const bs = s.indexOf('\\', i);
    if (bs < 0 || bs > end) {
      this.pos = end + 1;
      return s.slice(i, end);
    }
    let out = '';
    for (;;) {
      if (i >= s.length) this.fail('unterminated string');
      const c = s[i]!;
      if (c === quote) break;
      if (c !== '\\') {
        out += c;
        i++;
        continue;
      }
      const e = s[i + 1];
      i += 2;
      switch (e) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'v': out += '\v'; break;
        case '0': out += '\0'; break;
        case 'x': out += String.fromCharCode(parseInt(s.slice(i, i + 2), 16)); i += 2; break;
        case 'u': {
          if (s[i] === '{') {
            const close = s.indexOf('}', i);
            out += String.fromCodePoint(parseInt(s.slice(i + 1, close), 16));
            i = close + 1;
          } else {
            out += String.fromCharCode(parseInt(s.slice(i, i + 4), 16));
            i += 4;
          }
          break;
        }
        case '\n': break; // line continuation
        default: out += e ?? '';
      }
    }
    this.pos = i + 1;
    return out;
  }

  private number(): number {
    const m = /^[+-]?(?:0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|Infinity)/.exec(this.src.slice(this.pos, this.pos + 40));
    if (!m) this.fail('bad number');
    this.pos += m[0].length;
    return Number(m[0]);
  }
}

function isIdentChar(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z0-9_$]/.test(c);
}
