// CODEOWNERS kept in step with the projects: each project's `owner:<team>` tag (project.json)
// and a CODEOWNERS line for its root naming that team, and no line for a path that is no project
// (a renamed or removed package). Lines for workspace files outside every project (.ci/, nx.json,
// ...) are allowed when the path exists. Pure: the caller passes the projects and a path check.
import type { Project } from './workspace';

export const TEAM_ORG = '@fmnist';

export interface OwnerLine {
  line: number;
  /** The pattern without its leading and trailing slash (packages/data). */
  path: string;
  pattern: string;
  owners: string[];
}

export function parseCodeowners(text: string): OwnerLine[] {
  const out: OwnerLine[] = [];
  text.split('\n').forEach((raw, i) => {
    const s = raw.replace(/#.*/, '').trim();
    if (!s) return;
    const [pattern, ...owners] = s.split(/\s+/);
    out.push({ line: i + 1, pattern, path: pattern.replace(/^\/+|\/+$/g, ''), owners });
  });
  return out;
}

/** Problems, one readable sentence each; empty when CODEOWNERS and the projects agree. */
export function codeownersProblems(text: string, projects: Project[], exists: (path: string) => boolean): string[] {
  const problems: string[] = [];
  const lines = parseCodeowners(text);
  const byRoot = new Map(projects.map((p) => [p.root, p]));
  // Folders that hold projects (packages, apps): anything named inside them must be a project.
  const projectParents = new Set(projects.filter((p) => p.root.includes('/')).map((p) => p.root.split('/')[0]));
  for (const p of projects) {
    const teams = p.tags.filter((t) => t.startsWith('owner:')).map((t) => `${TEAM_ORG}/${t.slice('owner:'.length)}`);
    if (teams.length !== 1) {
      problems.push(`project ${p.name} (${p.root}/project.json) has ${teams.length} owner:<team> tags; give it exactly one`);
      continue;
    }
    const own = lines.filter((l) => l.path === p.root);
    if (own.length === 0) {
      problems.push(`project ${p.name} has no CODEOWNERS line; add "/${p.root}/ ${teams[0]}"`);
    } else if (own.length > 1) {
      problems.push(`project ${p.name} has ${own.length} CODEOWNERS lines (${own.map((l) => l.line).join(', ')}); keep one`);
    } else if (own[0].owners.join(' ') !== teams[0]) {
      problems.push(`CODEOWNERS line ${own[0].line} gives ${p.root}/ to ${own[0].owners.join(' ') || 'nobody'}, but its owner tag says ${teams[0]}`);
    } else if (own[0].pattern !== `/${p.root}/`) {
      problems.push(`CODEOWNERS line ${own[0].line}: write the project root as "/${p.root}/" (anchored, a directory)`);
    }
  }
  for (const l of lines) {
    if (byRoot.has(l.path)) continue;
    if (/[*?[\]!]/.test(l.pattern)) {
      problems.push(`CODEOWNERS line ${l.line}: "${l.pattern}" is a pattern; name a project root or a workspace file`);
    } else if (!l.pattern.startsWith('/')) {
      problems.push(`CODEOWNERS line ${l.line}: "${l.pattern}" is not anchored; write "/${l.path}"`);
    } else if (projectParents.has(l.path.split('/')[0])) {
      problems.push(`CODEOWNERS line ${l.line}: ${l.pattern} is no project (projects: ${projects.map((p) => `/${p.root}/`).join(' ')}); remove the line or fix the path`);
    } else if (!exists(l.path)) {
      problems.push(`CODEOWNERS line ${l.line}: ${l.pattern} is no project and does not exist; remove the line or fix the path`);
    } else {
      const inside = projects.find((p) => l.path.startsWith(`${p.root}/`) || p.root.startsWith(`${l.path}/`) || l.path === '');
      if (inside) problems.push(`CODEOWNERS line ${l.line}: ${l.pattern} is no project but overlaps project ${inside.name} (${inside.root}/); owners go per project`);
      if (!inside && l.owners.length === 0) problems.push(`CODEOWNERS line ${l.line}: ${l.pattern} names no owner`);
    }
  }
  return problems;
}
