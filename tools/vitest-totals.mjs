// Prints a vitest JSON report's totals as one line: "N passed, N failed[, N skipped]".
// The report is reports/vitest.json, or $VITEST_JSON (only the CLI in apps/cli parses arguments).
import { readFileSync } from 'node:fs';

const file = process.env.VITEST_JSON || 'reports/vitest.json';
let report;
try {
  report = JSON.parse(readFileSync(file, 'utf8'));
} catch (e) {
  console.log('0 passed, 1 failed');
  console.error(`vitest-totals: cannot read ${file}: ${e.message}`);
  process.exit(1);
}
const passed = report.numPassedTests ?? 0;
// A test file that fails to load counts as a failure even though it has no test results.
const failedSuites = (report.testResults ?? []).filter((r) => r.status === 'failed' && (r.assertionResults ?? []).length === 0).length;
const failed = (report.numFailedTests ?? 0) + failedSuites;
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
