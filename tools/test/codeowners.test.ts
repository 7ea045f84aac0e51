// CODEOWNERS and the projects' owner tags agree: every project Nx knows has one owner line for
// its root, naming the team its `owner:<team>` tag names, and no line names a path that is no
// project. A new project (packages/core, ...) fails here until it has both.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { codeownersProblems, parseCodeowners } from './codeowners-check';
import { nxProjects, WORKSPACE_ROOT, type Project } from './workspace';

describe('CODEOWNERS', () => {
  let projects: Project[];
  beforeAll(() => {
    projects = nxProjects();
  });

  it('names every project of the workspace with the team of its owner tag, and nothing else', () => {
    expect(projects.map((p) => p.name)).toEqual(expect.arrayContaining(['cli', 'data', 'models', 'reporting', 'tools']));
    const text = readFileSync(join(WORKSPACE_ROOT, '.github', 'CODEOWNERS'), 'utf8');
    expect(codeownersProblems(text, projects, (p) => existsSync(join(WORKSPACE_ROOT, p)))).toEqual([]);
    // Every project's line is there (the check above passing on an empty file would be a bug).
    expect(parseCodeowners(text).filter((l) => projects.some((p) => p.root === l.path))).toHaveLength(projects.length);
  });

  describe('the check', () => {
    const fixture: Project[] = [
      { name: 'data', root: 'packages/data', tags: ['scope:data', 'owner:data-team'] },
      { name: 'cli', root: 'apps/cli', tags: ['owner:cli-team'] },
    ];
    const exists = (p: string) => ['.ci', 'nx.json', 'packages/data', 'apps/cli', 'packages/old'].includes(p);
    const good = '# owners\n/packages/data/  @fmnist/data-team\n/apps/cli/ @fmnist/cli-team  # the app\n/.ci/ @fmnist/platform-team\n/nx.json @fmnist/platform-team\n';

    it('accepts a file that gives each project to its tagged team and workspace files to anyone', () => {
      expect(codeownersProblems(good, fixture, exists)).toEqual([]);
    });

    it('finds a project without a line, and one without an owner tag', () => {
      expect(codeownersProblems(good.replace('/apps/cli/ @fmnist/cli-team', ''), fixture, exists)).toEqual([
        'project cli has no CODEOWNERS line; add "/apps/cli/ @fmnist/cli-team"',
      ]);
      const untagged = [fixture[0], { ...fixture[1], tags: ['scope:cli'] }];
      expect(codeownersProblems(good, untagged, exists)[0]).toMatch(/^project cli \(apps\/cli\/project.json\) has 0 owner:<team> tags/);
    });

    it('finds a line for a removed project, a path inside a project, a missing file and a team that disagrees with the tag', () => {
      const text = `${good}/packages/old/ @fmnist/data-team\n/packages/data/src/ @fmnist/x\n/gone.json @fmnist/platform-team\n`;
      const problems = codeownersProblems(text.replace('/apps/cli/ @fmnist/cli-team', '/apps/cli/ @fmnist/data-team'), fixture, exists);
      expect(problems).toHaveLength(4);
      expect(problems[0]).toMatch(/gives apps\/cli\/ to @fmnist\/data-team, but its owner tag says @fmnist\/cli-team/);
      expect(problems[1]).toMatch(/\/packages\/old\/ is no project/);
      expect(problems[2]).toMatch(/\/packages\/data\/src\/ is no project/);
      expect(problems[3]).toMatch(/\/gone.json is no project and does not exist/);
    });

    it('asks for anchored paths without globs', () => {
      expect(codeownersProblems(`${good}*.md @fmnist/docs\nREADME.md @fmnist/docs\n`, fixture, () => true)).toEqual([
        'CODEOWNERS line 6: "*.md" is a pattern; name a project root or a workspace file',
        'CODEOWNERS line 7: "README.md" is not anchored; write "/README.md"',
      ]);
    });
  });
});
