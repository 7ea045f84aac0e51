// The peer's BLAS is read from the Python process that ran the benchmark, not assumed.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { blasWarning, classifyBlas, runPythonPeer } from './python-peer';

const PYTHON = '/usr/bin/python3'; // .ci/setup installs python3-numpy with OpenBLAS

describe('classifyBlas', () => {
  it('names the BLAS from the mapped libraries, Debian alternatives resolved', () => {
    expect(classifyBlas(['/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3', '/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblasp-r0.3.21.so'])).toBe('openblas-pthread');
    expect(classifyBlas(['/usr/lib/x86_64-linux-gnu/blas/libblas.so.3'])).toBe('reference');
    expect(classifyBlas(['/usr/lib/libblas.so.3'])).toBe('reference');
    expect(classifyBlas(['/site-packages/numpy.libs/libopenblas64_p-r0-15028c96.3.21.so'])).toBe('openblas');
    expect(classifyBlas(['/opt/intel/lib/libmkl_rt.so.2'])).toBe('mkl');
    expect(classifyBlas([], 'mkl')).toBe('mkl'); // linked into libtorch_cpu
    expect(classifyBlas([])).toBe('unknown');
  });

  it('warns about the reference BLAS, naming the package that fixes it, and not about OpenBLAS', () => {
    const w = blasWarning({ blas: 'reference', libraries: ['/usr/lib/x86_64-linux-gnu/blas/libblas.so.3'] }, 'numpy');
    expect(w).toMatch(/^WARNING: numpy ran on the reference BLAS \(\/usr\/lib\/x86_64-linux-gnu\/blas\/libblas.so.3\)/);
    expect(w).toContain('apt-get install -y libopenblas0-pthread');
    expect(blasWarning({ blas: 'openblas-pthread', libraries: [] }, 'numpy')).toBeUndefined();
  });
});

describe('runPythonPeer', () => {
  it('returns the peer\'s JSON lines and the BLAS its process loaded', () => {
    const { lines, blas } = runPythonPeer(PYTHON, { code: 'import json, sys, numpy as np\na = np.ones((64, 64)); a @ a\nprint(json.dumps({"n": int(sys.argv[1])}))' }, ['7']);
    expect(lines).toEqual([{ n: 7 }]);
    expect(blas.libraries.length).toBeGreaterThan(0);
    const openblas = existsSync('/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3');
    expect(blas.blas).toBe(openblas ? 'openblas-pthread' : 'reference');
  });

  it('runs a script file with its own argv and throws with its stderr when it fails', () => {
    expect(() => runPythonPeer(PYTHON, '/nonexistent/peer.py', ['--x'])).toThrow(/nonexistent\/peer\.py/);
  });
});
