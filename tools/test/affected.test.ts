// Selective CI rests on Nx's affected graph: a change inside a project affects that project
// and the projects that depend on it, nothing else (.github/workflows/ci.yml runs
// `nx affected -t lint build test` on pull requests). `--files` needs no git base.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { declaredDependents, nxAffected, nxProjects, WORKSPACE_ROOT, type Project } from './workspace';

/** A real source file of the project (not a test), so the check follows renames. */
function sourceFile(dir: string): string {
  const name = readdirSync(join(WORKSPACE_ROOT, dir)).sort().find((f) => /\.(ts|mjs)$/.test(f) && !f.includes('.test.'));
  if (!name) throw new Error(`no source file in ${dir}`);
  return `${dir}/${name}`;
}

describe('nx affected', () => {
  let projects: Project[];
  beforeAll(() => {
    projects = nxProjects();
  });

  it('a change in packages/reporting affects reporting and cli only', () => {
    const file = sourceFile('packages/reporting/src');
    expect(existsSync(join(WORKSPACE_ROOT, file))).toBe(true);
    expect(nxAffected(file)).toEqual(['cli', 'reporting']);
  });

  it('a change in packages/data affects data and every project that depends on it', () => {
    const dependents = declaredDependents(projects, 'data');
    expect(dependents).toEqual(expect.arrayContaining(['cli', 'experiments', 'models']));
    expect(dependents).not.toContain('reporting');
    expect(nxAffected(sourceFile('packages/data/src'))).toEqual(['data', ...dependents].sort());
  });

  it('a change in tools affects tools only', () => {
    expect(nxAffected(sourceFile('tools'))).toEqual(['tools']);
  });
});
