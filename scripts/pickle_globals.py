#!/usr/bin/python3
"""Static lister of the globals a pickle-bearing file imports. Never unpickles anything.

A small symbolic pickle machine (stack, memo, marks) runs over the opcodes that `pickletools.genops` decodes, so
STACK_GLOBAL operands are resolved from the real stack/memo contents, not from a backward string walk. Containers
are opened statically: zip (by content), tar, gzip/bz2/xz/lzma/zlib, .npy/.npz object arrays, legacy PyTorch stacked
pickles, and joblib files whose raw array bytes are interleaved with the pickle stream.

Usage: /usr/bin/python3 scripts/pickle_globals.py FILE...   (prints "module name" lines per file)
"""
from __future__ import annotations

import ast
import bz2
import gzip
import io
import lzma
import pickletools
import struct
import sys
import tarfile
import zipfile
import zlib

UNKNOWN = '<unknown>'
PERSID_HOOK = None  # optional callable receiving each persistent id (symbolic)


class Sym:
    """A value the symbolic machine cannot (or need not) compute."""

    def __init__(self, kind: str, *parts):
        self.kind = kind
        self.parts = parts
        self.state = None

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f'Sym({self.kind}, {self.parts!r})'


class Global(Sym):
    def __init__(self, module: str, name: str):
        super().__init__('global', module, name)
        self.module = module
        self.name = name


class SDict:
    """Dict with possibly unhashable symbolic keys."""

    def __init__(self):
        self.items: list = []

    def get(self, key):
        for k, v in self.items:
            if isinstance(k, str) and k == key:
                return v
        return None


class PickleError(Exception):
    pass


def _dtype_itemsize(dtype_obj) -> tuple[int, bool]:
    """(itemsize, hasobject) of a symbolic numpy.dtype(...) call."""
    if isinstance(dtype_obj, Sym) and dtype_obj.kind == 'call' and dtype_obj.parts[1]:
        descr = dtype_obj.parts[1][0]
        if isinstance(descr, bytes):
            descr = descr.decode('latin-1')
        if isinstance(descr, str):
            kind = descr.lstrip('<>|=')[:1]
            if kind == 'O':
                return 8, True
            import numpy as np  # only to compute an item size from a dtype string

            return np.dtype(descr).itemsize, False
    raise PickleError('cannot compute dtype of a joblib array')


def run_pickle(stream: io.BytesIO, found: list, joblib_mode: bool = False, depth: int = 0) -> object:
    """Symbolically runs one pickle from the stream's position up to STOP; appends (module, name) to found."""
    stack: list = []
    marks: list = []
    memo: dict = {}

    def pop_mark() -> list:
        nonlocal stack
        if not marks:
            raise PickleError('MARK underflow')
        items = stack
        stack = marks.pop()
        return items

    def pop():
        if not stack:
            raise PickleError('stack underflow')
        return stack.pop()

    for op, arg, _pos in pickletools.genops(stream):
        n = op.name
        if n in ('PROTO', 'FRAME'):
            continue
        if n == 'STOP':
            return stack[-1] if stack else None
        if n in ('INT', 'BININT', 'BININT1', 'BININT2', 'LONG', 'LONG1', 'LONG4', 'FLOAT', 'BINFLOAT', 'STRING',
                 'BINSTRING', 'SHORT_BINSTRING', 'UNICODE', 'BINUNICODE', 'SHORT_BINUNICODE', 'BINUNICODE8',
                 'BINBYTES', 'SHORT_BINBYTES', 'BINBYTES8'):
            stack.append(arg)
        elif n == 'BYTEARRAY8':
            stack.append(bytearray(arg))
        elif n == 'NONE':
            stack.append(None)
        elif n == 'NEWTRUE':
            stack.append(True)
        elif n == 'NEWFALSE':
            stack.append(False)
        elif n == 'EMPTY_TUPLE':
            stack.append(())
        elif n == 'EMPTY_LIST':
            stack.append([])
        elif n == 'EMPTY_DICT':
            stack.append(SDict())
        elif n == 'EMPTY_SET':
            stack.append(Sym('set'))
        elif n == 'MARK':
            marks.append(stack)
            stack = []
        elif n == 'TUPLE':
            items = tuple(pop_mark())  # pop first: pop_mark rebinds `stack`
            stack.append(items)
        elif n in ('TUPLE1', 'TUPLE2', 'TUPLE3'):
            k = int(n[-1])
            if len(stack) < k:
                raise PickleError('stack underflow')
            items = stack[-k:]
            del stack[-k:]
            stack.append(tuple(items))
        elif n == 'LIST':
            items = list(pop_mark())
            stack.append(items)
        elif n == 'DICT':
            items = pop_mark()
            d = SDict()
            d.items = list(zip(items[0::2], items[1::2]))
            stack.append(d)
        elif n == 'FROZENSET':
            pop_mark()
            stack.append(Sym('frozenset'))
        elif n == 'APPEND':
            v = pop()
            if stack and isinstance(stack[-1], list):
                stack[-1].append(v)
        elif n == 'APPENDS':
            items = pop_mark()
            if stack and isinstance(stack[-1], list):
                stack[-1].extend(items)
        elif n == 'ADDITEMS':
            pop_mark()
        elif n == 'SETITEM':
            v = pop()
            k = pop()
            if stack and isinstance(stack[-1], SDict):
                stack[-1].items.append((k, v))
        elif n == 'SETITEMS':
            items = pop_mark()
            if stack and isinstance(stack[-1], SDict):
                stack[-1].items.extend(zip(items[0::2], items[1::2]))
        elif n == 'POP':
            if stack:
                stack.pop()
            else:
                pop_mark()
        elif n == 'POP_MARK':
            pop_mark()
        elif n == 'DUP':
            stack.append(stack[-1])
        elif n in ('GET', 'BINGET', 'LONG_BINGET'):
            stack.append(memo.get(arg, Sym('missing-memo', arg)))
        elif n in ('PUT', 'BINPUT', 'LONG_BINPUT'):
            memo[arg] = stack[-1] if stack else None
        elif n == 'MEMOIZE':
            memo[len(memo)] = stack[-1] if stack else None
        elif n in ('GLOBAL', 'INST'):
            module, name = arg.split(' ', 1)
            found.append((module, name))
            if n == 'GLOBAL':
                stack.append(Global(module, name))
            else:
                args = pop_mark()
                stack.append(Sym('call', Global(module, name), tuple(args)))
        elif n == 'STACK_GLOBAL':
            name = pop()
            module = pop()
            module = module if isinstance(module, str) else UNKNOWN
            name = name if isinstance(name, str) else UNKNOWN
            found.append((module, name))
            stack.append(Global(module, name))
        elif n == 'REDUCE':
            args = pop()
            func = pop()
            stack.append(Sym('call', func, args if isinstance(args, tuple) else (args,)))
        elif n == 'NEWOBJ':
            args = pop()
            cls = pop()
            stack.append(Sym('new', cls, args))
        elif n == 'NEWOBJ_EX':
            kwargs = pop()
            args = pop()
            cls = pop()
            stack.append(Sym('new', cls, args, kwargs))
        elif n == 'OBJ':
            items = pop_mark()
            if not items:
                raise PickleError('OBJ without class')
            stack.append(Sym('call', items[0], tuple(items[1:])))
        elif n == 'BUILD':
            state = pop()
            if not stack:
                raise PickleError('stack underflow')
            obj = stack[-1]
            if isinstance(obj, Sym):
                obj.state = state
            cls = obj.parts[0] if isinstance(obj, Sym) and obj.kind in ('new', 'call') else None
            if (joblib_mode and isinstance(cls, Global) and cls.name == 'NumpyArrayWrapper'
                    and isinstance(state, SDict)):
                _skip_joblib_array(stream, state, found, depth)
        elif n in ('PERSID', 'BINPERSID'):
            pid = arg if n == 'PERSID' else pop()
            if PERSID_HOOK is not None:
                PERSID_HOOK(pid)
            stack.append(Sym('persid', pid))
        elif n in ('EXT1', 'EXT2', 'EXT4'):
            found.append(('copyreg', f'<extension {arg}>'))
            stack.append(Sym('ext', arg))
        elif n in ('NEXT_BUFFER',):
            stack.append(Sym('buffer'))
        elif n in ('READONLY_BUFFER',):
            pass
        else:
            raise PickleError(f'unhandled opcode {n}')
    raise PickleError('no STOP')


def _skip_joblib_array(stream: io.BytesIO, state: SDict, found: list, depth: int) -> None:
    shape = state.get('shape')
    dtype = state.get('dtype')
    itemsize, hasobject = _dtype_itemsize(dtype)
    if hasobject:
        run_pickle(stream, found, joblib_mode=True, depth=depth + 1)
        return
    count = 1
    for d in shape if isinstance(shape, tuple) else ():
        count *= int(d)
    if state.get('numpy_array_alignment_bytes') is not None:
        pad = stream.read(1)
        if len(pad) != 1:
            raise PickleError('truncated joblib padding')
        stream.seek(pad[0], io.SEEK_CUR)
    stream.seek(count * itemsize, io.SEEK_CUR)


STRICT = False


def pickle_stream_globals(data: bytes, joblib_mode: bool = False, max_pickles: int = 64) -> list:
    """Globals of every concatenated pickle in data (stops at the first parse error unless STRICT)."""
    found: list = []
    stream = io.BytesIO(data)
    for _ in range(max_pickles):
        if stream.tell() >= len(data):
            break
        try:
            run_pickle(stream, found, joblib_mode=joblib_mode)
        except Exception:  # noqa: BLE001 - a static lister reports what it saw before the error
            if STRICT:
                raise
            break
    return found


LEGACY_TORCH_MAGIC = 0x1950A86A20F9469CFC6C


def legacy_torch_globals(data: bytes) -> list | None:
    stream = io.BytesIO(data)
    found: list = []
    try:
        magic = run_pickle(stream, found)
    except Exception:  # noqa: BLE001
        return None
    if magic != LEGACY_TORCH_MAGIC:
        return None
    for _ in range(4):  # protocol, sys_info, object, storage keys
        run_pickle(stream, found)
    return found


def npy_payload(data: bytes) -> bytes | None:
    """Pickle payload of an object .npy, else None."""
    if not data.startswith(b'\x93NUMPY'):
        return None
    major = data[6]
    if major == 1:
        hlen = struct.unpack('<H', data[8:10])[0]
        start = 10
    else:
        hlen = struct.unpack('<I', data[8:12])[0]
        start = 12
    header = ast.literal_eval(data[start:start + hlen].decode('latin-1'))
    descr = header['descr']
    if isinstance(descr, str) and descr.lstrip('<>|=').startswith('O'):
        return data[start + hlen:]
    if not isinstance(descr, str):
        return data[start + hlen:] if 'O' in repr(descr) else None
    return None


def decompress(data: bytes) -> bytes | None:
    try:
        if data[:2] == b'\x1f\x8b':
            return gzip.decompress(data)
        if data[:3] == b'BZh':
            return bz2.decompress(data)
        if data[:6] == b'\xfd7zXZ\x00':
            return lzma.decompress(data)
        if data[:1] == b'\x5d' and len(data) > 13:
            return lzma.decompress(data, format=lzma.FORMAT_ALONE)
        if data[:1] == b'\x78' and (data[0] * 256 + data[1]) % 31 == 0:
            return zlib.decompress(data)
    except Exception:  # noqa: BLE001
        return None
    return None


def relaxed_zip_members(data: bytes) -> list:
    """(name, bytes) of every zip member, read the way PyTorch's reader does: central directory names and sizes,
    local-header offsets, no CRC check, flag bits ignored, local-header names not compared."""
    eocd = data.rfind(b'PK\x05\x06')
    if eocd < 0:
        raise PickleError('no end of central directory')
    count, cd_size, cd_off = struct.unpack('<HII', data[eocd + 10:eocd + 20])
    out = []
    pos = cd_off
    for _ in range(count):
        if data[pos:pos + 4] != b'PK\x01\x02':
            raise PickleError('bad central directory entry')
        method = struct.unpack('<H', data[pos + 10:pos + 12])[0]
        csize, usize = struct.unpack('<II', data[pos + 20:pos + 28])
        nlen, xlen, clen = struct.unpack('<HHH', data[pos + 28:pos + 34])
        local = struct.unpack('<I', data[pos + 42:pos + 46])[0]
        name = data[pos + 46:pos + 46 + nlen].decode('utf-8', 'replace')
        pos += 46 + nlen + xlen + clen
        lnlen, lxlen = struct.unpack('<HH', data[local + 26:local + 30])
        start = local + 30 + lnlen + lxlen
        body = data[start:start + csize]
        if method == 8:
            body = zlib.decompress(body, -15)
        elif method != 0:
            raise PickleError(f'unsupported zip method {method}')
        out.append((name, body))
    return out


def sevenzip_members(data: bytes) -> list:
    """Members of a 7z archive via the 7z command-line tool (extracts to a temporary directory)."""
    import os
    import shutil
    import subprocess
    import tempfile

    exe = shutil.which('7z') or shutil.which('7za')
    if not exe:
        return []
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, 'in.7z')
        with open(src, 'wb') as f:
            f.write(data)
        subprocess.run([exe, 'x', '-y', f'-o{tmp}/x', src], check=True, stdout=subprocess.DEVNULL)
        for root, _dirs, files in os.walk(f'{tmp}/x'):
            for fn in files:
                p = os.path.join(root, fn)
                with open(p, 'rb') as f:
                    out.append((os.path.relpath(p, f'{tmp}/x'), f.read()))
    return out


def file_globals(data: bytes, name: str = '', depth: int = 0) -> list:
    """Globals in a (possibly containerised) file, as (module, name) pairs."""
    if depth > 6:
        return []
    if data.startswith(b'PK\x03\x04'):
        out = []
        if STRICT:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:  # benign files must also satisfy the stdlib reader
                members = [(i.filename, zf.read(i)) for i in zf.infolist() if not i.is_dir()]
        else:
            members = relaxed_zip_members(data)
        for mname, member in members:
            base = mname.rsplit('/', 1)[-1]
            if '/data/' in f'/{mname}' and base.isdigit():
                continue  # PyTorch raw storage bytes
            if mname.endswith(('.py', '.json', 'version', 'byteorder', 'serialization_id')) or mname.endswith('/'):
                continue
            out += file_globals(member, mname, depth + 1)
        return out
    if data.startswith(b"7z\xbc\xaf\x27\x1c"):
        out = []
        for mname, member in sevenzip_members(data):
            out += file_globals(member, mname, depth + 1)
        return out
    if len(data) > 262 and data[257:262] == b'ustar':
        out = []
        with tarfile.open(fileobj=io.BytesIO(data)) as tf:
            for m in tf.getmembers():
                if m.isfile():
                    f = tf.extractfile(m)
                    out += file_globals(f.read() if f else b'', m.name, depth + 1)
        return out
    raw = decompress(data)
    if raw is not None:
        return file_globals(raw, name, depth + 1)
    payload = npy_payload(data)
    if payload is not None:
        return pickle_stream_globals(payload, max_pickles=1)
    if data.startswith(b'\x93NUMPY'):
        return []
    legacy = legacy_torch_globals(data)
    if legacy is not None:
        return legacy
    joblib_mode = b'NumpyArrayWrapper' in data
    return pickle_stream_globals(data, joblib_mode=joblib_mode)


def main(argv: list) -> int:
    for path in argv:
        with open(path, 'rb') as f:
            g = file_globals(f.read(), path)
        print(f'== {path}')
        for m, n in sorted(set(g)):
            print(f'  {m} {n}')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
