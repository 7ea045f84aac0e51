// The workspace as Nx sees it, for the repository checks in this folder: every project's name,
// root and tags (from `nx graph`, so a project Nx infers counts as much as one with a
// project.json), and Nx's answer to "which projects does a change to this file affect?".
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const WORKSPACE_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface Project {
  name: string;
  /** Relative to the workspace root, no trailing slash (e.g. packages/data). */
  root: string;
  tags: string[];
}

function nx(args: string[]): string {
  const bin = join(WORKSPACE_ROOT, 'node_modules', '.bin', 'nx');
  // No daemon and no cloud: the answer comes from the files on disk, as in CI.
  return execFileSync(bin, args, {
    cwd: WORKSPACE_ROOT,
    encoding: 'utf8',
    env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' },
  });
}

/** Every project of the workspace. */
export function nxProjects(): Project[] {
  const dir = mkdtempSync(join(tmpdir(), 'fmnist-nx-graph-'));
  try {
    const file = join(dir, 'graph.json');
    nx(['graph', `--file=${file}`]);
    const graph = JSON.parse(readFileSync(file, 'utf8')) as { graph: { nodes: Record<string, { data: { root: string; tags?: string[] } }> } };
    return Object.entries(graph.graph.nodes)
      .map(([name, node]) => ({ name, root: node.data.root.replace(/\/$/, ''), tags: node.data.tags ?? [] }))
      .sort((a, b) => a.name.localeCompare(b.name));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The projects Nx says a change to `file` (workspace-relative) affects, sorted. */
export function nxAffected(file: string): string[] {
  return (JSON.parse(nx(['show', 'projects', '--affected', `--files=${file}`, '--json'])) as string[]).sort();
}

/**
 * The projects that depend on `name`, directly or not, by the workspace dependencies their
 * package.json files declare (@fmnist/*): an account of the graph independent of Nx's import
 * analysis. Projects without a package.json (tools) depend on nothing.
 */
export function declaredDependents(projects: Project[], name: string): string[] {
  const pkgName = new Map<string, string>();
  const deps = new Map<string, string[]>();
  for (const p of projects) {
    let pkg: { name?: string; dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
    try {
      pkg = JSON.parse(readFileSync(join(WORKSPACE_ROOT, p.root, 'package.json'), 'utf8'));
    } catch {
      continue;
    }
    if (pkg.name) pkgName.set(pkg.name, p.name);
    deps.set(p.name, Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }));
  }
  const out = new Set<string>();
  const visit = (target: string) => {
    for (const [p, ds] of deps) {
      if (out.has(p)) continue;
      if (ds.some((d) => pkgName.get(d) === target)) {
        out.add(p);
        visit(p);
      }
    }
  };
  visit(name);
  return [...out].sort();
}
