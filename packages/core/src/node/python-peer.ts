// Runs a Python peer benchmark (numpy, PyTorch) and reports which BLAS its process really loaded.
// Debian's numpy and torch call whatever libblas.so.3 the system selects; without OpenBLAS that
// is the reference BLAS, several times slower (numpy's corrcoef 22 s instead of 0.5 s), and a
// comparison against it flatters fmnist. So every comparison prints the BLAS next to the peer's
// figure, and shouts when it is the reference one.
import { execFileSync } from 'node:child_process';

/** What the peer process had mapped: `openblas-pthread`, `openblas`, `mkl`, `reference`, ... */
export interface PeerBlas {
  blas: string;
  /** The BLAS libraries found in the process's memory map (empty when it could not be read). */
  libraries: string[];
}

/**
 * Python source defining `_fmnist_blas()`: the BLAS in /proc/self/maps, or PyTorch's build
 * configuration when the library is linked statically (pip wheels link MKL into libtorch_cpu).
 * Call it after numpy/torch did their work, so the libraries are loaded.
 */
export const PYTHON_BLAS_PROBE = `
def _fmnist_blas():
    import json, os, sys
    libs = []
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                p = line.split()[-1] if len(line.split()) >= 6 else ""
                n = os.path.basename(p).lower()
                if p not in libs and ("blas" in n or n.startswith("libmkl") or n.startswith("libblis") or "atlas" in n):
                    libs.append(p)
    except OSError:
        pass
    torch_blas = None
    if "torch" in sys.modules:
        for part in sys.modules["torch"].__config__.show().replace(",", "\\n").split("\\n"):
            if part.strip().startswith("BLAS_INFO="):
                torch_blas = part.strip()[len("BLAS_INFO="):]
    return json.dumps({"fmnistPeerBlas": True, "libraries": libs, "torchBlasInfo": torch_blas})
`;

/** Names the BLAS from the library paths of a process map (Debian's alternatives resolved). */
export function classifyBlas(libraries: string[], torchBlasInfo?: string | null): string {
  const paths = libraries.map((p) => p.toLowerCase());
  const has = (s: string) => paths.some((p) => p.includes(s));
  if (has('openblas-pthread')) return 'openblas-pthread';
  if (has('openblas-openmp')) return 'openblas-openmp';
  if (has('openblas-serial')) return 'openblas-serial';
  if (has('openblas')) return 'openblas';
  if (has('libmkl')) return 'mkl';
  if (has('blis')) return 'blis';
  if (has('atlas')) return 'atlas';
  // Debian's netlib build: /usr/lib/<triplet>/blas/libblas.so.3 (the alternative's fallback).
  if (paths.some((p) => /\/blas\/libblas\.so/.test(p) || /\/libblas\.so(\.\d+)*$/.test(p))) return 'reference';
  if (torchBlasInfo && torchBlasInfo !== 'open') return torchBlasInfo;
  return 'unknown';
}

/** The line a comparison prints on stderr when the peer ran on a slow BLAS; undefined when fine. */
export function blasWarning(b: PeerBlas, peer: string): string | undefined {
  if (b.blas !== 'reference' && b.blas !== 'unknown') return undefined;
  const what = b.blas === 'reference' ? `the reference BLAS (${b.libraries.join(', ')})` : 'no BLAS library that could be identified';
  return `WARNING: ${peer} ran on ${what}, several times slower than OpenBLAS, so the ratio flatters fmnist; ` +
    'install OpenBLAS (Debian: apt-get install -y libopenblas0-pthread) and run the comparison again';
}

/**
 * Runs a Python peer and returns its JSON lines (the probe's own line taken out) and the BLAS it
 * loaded. `source` is a script file, or `{ code }` for inline Python; `args` are its argv.
 * A failing peer throws, with its stderr, as execFileSync does.
 */
export function runPythonPeer(
  python: string, source: string | { code: string }, args: string[], options: { env?: NodeJS.ProcessEnv } = {},
): { lines: Record<string, unknown>[]; blas: PeerBlas } {
  const run = typeof source === 'string'
    ? 'import runpy, sys\nsys.argv = sys.argv[1:]\nrunpy.run_path(sys.argv[0], run_name="__main__")'
    : source.code;
  const code = `${PYTHON_BLAS_PROBE}\n${run}\nprint(_fmnist_blas(), flush=True)\n`;
  const argv = typeof source === 'string' ? [source, ...args] : args;
  const out = execFileSync(python, ['-c', code, ...argv], { encoding: 'utf8', env: options.env ?? process.env, maxBuffer: 16 << 20, stdio: ['ignore', 'pipe', 'pipe'] });
  const all = out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  const probe = all.find((l) => l.fmnistPeerBlas === true);
  const libraries = (probe?.libraries as string[] | undefined) ?? [];
  return {
    lines: all.filter((l) => l !== probe),
    blas: { blas: classifyBlas(libraries, probe?.torchBlasInfo as string | null | undefined), libraries },
  };
}
