#!/usr/bin/env python3
"""Writes the broken files of tests/cli/reliability_test.sh from good.safetensors (a tg-classify model with
--dim 4 trained on tests/data/cli/classify_train.txt). Run again only to regenerate; the tests do not need Python."""
import json, struct

def read(path):
    b = open(path, 'rb').read()
    n = struct.unpack('<Q', b[:8])[0]
    return json.loads(b[8:8 + n]), b[8 + n:]

def write(path, header, data):
    text = json.dumps(header, separators=(',', ':')).encode()
    text += b' ' * ((8 - len(text) % 8) % 8)
    open(path, 'wb').write(struct.pack('<Q', len(text)) + text + data)

header, data = read('good.safetensors')

def with_config(path, **changes):
    h = json.loads(json.dumps(header))
    config = json.loads(h['__metadata__']['config'])
    config.update(changes)
    h['__metadata__']['config'] = json.dumps(config, separators=(',', ':'))
    write(path, h, data)

with_config('dim_2_62.safetensors', dim=2**62)          # issue 12 point 1
with_config('ngrams_negative.safetensors', ngrams=-3)   # point 2
with_config('ngrams_huge.safetensors', ngrams=2**32)
with_config('vocab_huge.safetensors', vocab_size=2**30, dim=2**20)

# Point 8: one flipped bit in the embedding's data.
corrupt = bytearray(data)
corrupt[17] ^= 0x10
write('corrupt.safetensors', header, bytes(corrupt))

# Point 7: a [2^62] F32 tensor claiming 0 bytes (2^62 * 4 wraps to 0 in 64 bits).
write('numel_wrap.safetensors', {'x': {'dtype': 'F32', 'shape': [2**62], 'data_offsets': [0, 0]}}, b'')

# A model whose weights hold a nan (a diverged run saved before the checks existed).
nan = bytearray(data)
nan[0:4] = struct.pack('<f', float('nan'))
h = json.loads(json.dumps(header))
del h['__metadata__']['crc32c.embedding.weight']
write('nan_weights.safetensors', h, bytes(nan))

# Point 3: vector files with nan and inf; point 7: a header with dimension INT64_MAX.
open('vectors_nan.txt', 'w').write('the 0.1 0.2 0.3 0.4\nfilm 0.1 nan 0.3 0.4\n')
open('vectors_inf.bin', 'wb').write(b'2 2\nthe ' + struct.pack('<2f', 0.5, 0.25) + b'\nfilm ' +
                                    struct.pack('<2f', float('inf'), 1.0) + b'\n')
open('vectors_dim_max.txt', 'w').write('1 9223372036854775807\nthe 0.1\n')
