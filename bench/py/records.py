"""Benign, opcode-heavy records: many small dicts, lists, strings, ints, floats and bools."""


def record(i):
    return {
        'id': i,
        'name': 'item-%d' % i,
        'tags': ['t%d' % (i % 97), 'shared', str(i * 7)],
        'score': i * 0.5,
        'ok': (i & 1) == 0,
        'meta': {'k': i % 13, 'path': 'a/b/%d' % (i % 1000)},
    }
