// One GitHub issue per stack for `health`: opened on warning or critical, updated while it lasts (a
// comment only when the status changes), closed on recovery; optionally a message to a webhook
// (ALERT_WEBHOOK_URL) when an alert opens, changes or clears. Everything shown comes from the health
// report (`health -o json`), which holds no secret; the webhook URL is never printed.
'use strict';

const fs = require('fs');

const LABEL = 'infra:alert';
const ICONS = { ok: '✅', warning: '⚠️', critical: '🛑', skipped: '➖', unknown: '❓' };

const marker = (stack) => `<!-- workshelf-infra:health:${stack} -->`;
const statusMarker = (status) => `<!-- status: ${status} -->`;
const cell = (text) => String(text ?? '').replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');

function readReport(path) {
  try {
    return JSON.parse(fs.readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

function shown(check) {
  if (check.value === null || check.value === undefined || typeof check.value === 'object') return '';
  return `${check.value}${check.unit || ''}`;
}

function body(stack, report, exitCode, runUrl) {
  const status = report ? report.status : 'unknown';
  const lines = [marker(stack), statusMarker(status), `### ${ICONS[status] || ''} ${stack}: ${status}`, ''];
  if (!report) {
    lines.push(`\`health\` could not run (exit ${exitCode}); the run's log says why.`, '');
  } else {
    lines.push(`Checked at ${report.checked_at}.`, '', '| Check | Status | Value | Warning / critical | Detail |');
    lines.push('| --- | --- | --- | --- | --- |');
    for (const c of report.checks) {
      const limits = c.threshold ? `${c.threshold.warning} / ${c.threshold.critical}${c.unit || ''}` : '';
      lines.push(`| ${cell(c.name)} | ${ICONS[c.status] || ''} ${c.status} | ${cell(shown(c))} | ${cell(limits)} | ${cell(c.detail)} |`);
    }
    const bad = report.checks.filter((c) => c.status === 'warning' || c.status === 'critical');
    if (bad.length) lines.push('', '**What to do** (RUNBOOK.md, "Health checks and alerts"):', '');
    for (const c of bad) {
      lines.push(`- **${cell(c.name)}**: ${c.hint || 'see the RUNBOOK'}`);
      for (const item of c.items || []) lines.push(`  - \`${cell(JSON.stringify(item))}\``);
    }
  }
  lines.push('', `Run: ${runUrl}`, '', 'This issue closes itself when the stack is healthy again.');
  return lines.join('\n');
}

async function notify(fetchFn, webhookUrl, text, core) {
  if (!webhookUrl) return;
  try {
    const response = await fetchFn(webhookUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ text }),
    });
    if (!response.ok) core.warning(`the alert webhook answered ${response.status}`);
  } catch (error) {
    core.warning(`the alert webhook could not be reached (${error.name})`);
  }
}

async function findIssue(github, owner, repo, stack) {
  const open = await github.paginate(github.rest.issues.listForRepo, {
    owner, repo, state: 'open', labels: LABEL, per_page: 100,
  });
  return open.find((issue) => (issue.body || '').includes(marker(stack)));
}

async function ensureLabel(github, owner, repo) {
  try {
    await github.rest.issues.createLabel({ owner, repo, name: LABEL, color: 'b60205', description: 'health alert' });
  } catch (error) {
    if (error.status !== 422) throw error; // 422: it exists already
  }
}

module.exports = async function alert({ github, context, core, fetch: fetchFn }, options) {
  const { stack, reportPath, exitCode, runUrl, webhookUrl } = options;
  const { owner, repo } = context.repo;
  const report = readReport(reportPath);
  const status = report && [0, 6, 7].includes(exitCode) ? report.status : 'unknown';
  const issue = await findIssue(github, owner, repo, stack);
  const summary = report
    ? report.checks.filter((c) => c.status === 'warning' || c.status === 'critical').map((c) => `${c.name}: ${c.status}`).join('; ')
    : `health could not run (exit ${exitCode})`;
  if (status === 'ok') {
    if (issue) {
      await github.rest.issues.createComment({ owner, repo, issue_number: issue.number, body: `✅ Healthy again. Run: ${runUrl}` });
      await github.rest.issues.update({ owner, repo, issue_number: issue.number, state: 'closed' });
      await notify(fetchFn, webhookUrl, `infra health ${stack}: recovered (${runUrl})`, core);
      core.info(`closed issue #${issue.number}`);
    }
    return 'ok';
  }
  const text = body(stack, status === 'unknown' ? null : report, exitCode, runUrl);
  const message = `infra health ${stack}: ${status.toUpperCase()} (${summary}) ${runUrl}`;
  if (!issue) {
    await ensureLabel(github, owner, repo);
    const created = await github.rest.issues.create({ owner, repo, title: `infra health: ${stack}`, body: text, labels: [LABEL] });
    await notify(fetchFn, webhookUrl, message, core);
    core.info(`opened issue #${created.data.number}`);
    return status;
  }
  const before = ((issue.body || '').match(/<!-- status: (\w+) -->/) || [])[1];
  await github.rest.issues.update({ owner, repo, issue_number: issue.number, body: text });
  if (before !== status) {
    await github.rest.issues.createComment({ owner, repo, issue_number: issue.number, body: `Status: ${before} → ${status}. Run: ${runUrl}` });
    await notify(fetchFn, webhookUrl, message, core);
  }
  core.info(`updated issue #${issue.number}`);
  return status;
};
