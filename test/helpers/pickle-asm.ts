/** A tiny pickle assembler for tests: builds raw opcode streams (never executed anywhere). */
export class PickleAsm {
  private parts: number[] = [];

  bytes(): Uint8Array {
    return Uint8Array.from(this.parts);
  }

  raw(...b: number[]): this {
    this.parts.push(...b);
    return this;
  }
  text(s: string): this {
    for (const c of Buffer.from(s, 'latin1')) this.parts.push(c);
    return this;
  }
  private u32(n: number): this {
    return this.raw(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff);
  }
  private u64(n: number): this {
    this.u32(n % 2 ** 32);
    return this.u32(Math.floor(n / 2 ** 32));
  }

  proto(p: number): this {
    return this.raw(0x80, p);
  }
  frame(n: number): this {
    this.raw(0x95);
    return this.u64(n);
  }
  stop(): this {
    return this.raw(0x2e);
  }
  mark(): this {
    return this.raw(0x28);
  }
  pop(): this {
    return this.raw(0x30);
  }
  none(): this {
    return this.raw(0x4e);
  }
  int(n: number): this {
    if (n >= 0 && n < 256) return this.raw(0x4b, n);
    this.raw(0x4a);
    return this.u32(n);
  }
  global(module: string, name: string): this {
    return this.raw(0x63).text(`${module}\n${name}\n`);
  }
  inst(module: string, name: string): this {
    return this.raw(0x69).text(`${module}\n${name}\n`);
  }
  str(s: string): this {
    const b = Buffer.from(s, 'utf8');
    if (b.length < 256) return this.raw(0x8c, b.length, ...b);
    this.raw(0x58).u32(b.length);
    return this.raw(...b);
  }
  binunicode(s: string): this {
    const b = Buffer.from(s, 'utf8');
    this.raw(0x58).u32(b.length);
    return this.raw(...b);
  }
  /** Protocol-0 STRING with a quoted repr. */
  string0(s: string): this {
    return this.raw(0x53).text(`'${s}'\n`);
  }
  unicode0(s: string): this {
    return this.raw(0x56).text(`${s}\n`);
  }
  binstring(s: string): this {
    return this.raw(0x55, s.length).text(s);
  }
  binbytes(b: Uint8Array): this {
    if (b.length < 256) return this.raw(0x43, b.length, ...b);
    this.raw(0x42).u32(b.length);
    return this.raw(...b);
  }
  stackGlobal(): this {
    return this.raw(0x93);
  }
  memoize(): this {
    return this.raw(0x94);
  }
  put(i: number): this {
    return this.raw(0x71, i);
  }
  get(i: number): this {
    return this.raw(0x68, i);
  }
  put0(i: number): this {
    return this.raw(0x70).text(`${i}\n`);
  }
  get0(i: number): this {
    return this.raw(0x67).text(`${i}\n`);
  }
  tuple(): this {
    return this.raw(0x74);
  }
  tuple1(): this {
    return this.raw(0x85);
  }
  tuple2(): this {
    return this.raw(0x86);
  }
  emptyTuple(): this {
    return this.raw(0x29);
  }
  emptyDict(): this {
    return this.raw(0x7d);
  }
  emptyList(): this {
    return this.raw(0x5d);
  }
  reduce(): this {
    return this.raw(0x52);
  }
  build(): this {
    return this.raw(0x62);
  }
  obj(): this {
    return this.raw(0x6f);
  }
  newobj(): this {
    return this.raw(0x81);
  }
  newobjEx(): this {
    return this.raw(0x92);
  }
  setitem(): this {
    return this.raw(0x73);
  }
  setitems(): this {
    return this.raw(0x75);
  }
  append(): this {
    return this.raw(0x61);
  }
  appends(): this {
    return this.raw(0x65);
  }
  ext1(code: number): this {
    return this.raw(0x82, code);
  }
  newtrue(): this {
    return this.raw(0x88);
  }

  /** os.system(cmd) via STACK_GLOBAL at protocol 4. */
  static call(module: string, name: string, arg: string, proto = 4): Uint8Array {
    return new PickleAsm()
      .proto(proto)
      .str(module)
      .str(name)
      .stackGlobal()
      .str(arg)
      .tuple1()
      .reduce()
      .stop()
      .bytes();
  }
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(parts.map((p) => Buffer.from(p))));
}
