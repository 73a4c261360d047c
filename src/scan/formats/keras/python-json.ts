/** Python's json module writes NaN and ±Infinity; JSON.parse rejects them. Replaces them (outside strings) with null. */
export function parsePythonJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (first) {
    let out = '';
    let inString = false;
    let changed = false;
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (inString) {
        out += c;
        if (c === '\\') out += text[++i] ?? '';
        else if (c === '"') inString = false;
        continue;
      }
      if (c === '"') {
        inString = true;
        out += c;
        continue;
      }
      const m = c === 'N' || c === 'I' || c === '-' ? /^(-?Infinity|NaN)/.exec(text.slice(i, i + 9)) : null;
      if (m) {
        out += 'null';
        i += m[0].length - 1;
        changed = true;
        continue;
      }
      out += c;
    }
    if (!changed) throw first;
    return JSON.parse(out);
  }
}
