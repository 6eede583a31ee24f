// Runs .github/scripts/health-alert.js against an in-memory GitHub (issues, comments, labels) and a
// recording webhook, for tests/ops/health/test_workflows.py. Reads the scenario from argv[2] (JSON):
// {"issues": [...], "runs": [{"stack", "reportPath", "exitCode"}], "webhook": bool}; prints the calls.
'use strict';

const path = require('path');

const alert = require(path.resolve(__dirname, '../../../.github/scripts/health-alert.js'));
const scenario = JSON.parse(process.argv[2]);
const calls = [];
const issues = scenario.issues || [];
const labels = new Set();

const github = {
  paginate: async (method, params) => method(params),
  rest: {
    issues: {
      listForRepo: async ({ state, labels: wanted }) =>
        issues.filter((i) => i.state === state && i.labels.includes(wanted)),
      create: async ({ title, body, labels: given }) => {
        const issue = { number: issues.length + 1, title, body, labels: given, state: 'open' };
        issues.push(issue);
        calls.push(['create', issue.number, title]);
        return { data: issue };
      },
      update: async ({ issue_number, body, state }) => {
        const issue = issues.find((i) => i.number === issue_number);
        if (body !== undefined) issue.body = body;
        if (state !== undefined) issue.state = state;
        calls.push(['update', issue_number, state || 'body']);
      },
      createComment: async ({ issue_number, body }) => calls.push(['comment', issue_number, body]),
      createLabel: async ({ name }) => {
        if (labels.has(name)) throw Object.assign(new Error('exists'), { status: 422 });
        labels.add(name);
        calls.push(['label', name]);
      },
    },
  },
};
const core = { info: () => {}, warning: (m) => calls.push(['warning', m]) };
const fetch = async (url, init) => {
  calls.push(['webhook', url === 'https://hooks.example/secret-token' ? 'URL' : 'other', JSON.parse(init.body).text]);
  return { ok: true, status: 200 };
};
const context = { repo: { owner: 'acme', repo: 'infra' } };

(async () => {
  const statuses = [];
  for (const run of scenario.runs) {
    statuses.push(
      await alert({ github, context, core, fetch }, {
        ...run,
        runUrl: 'https://github.example/run/1',
        webhookUrl: scenario.webhook ? 'https://hooks.example/secret-token' : '',
      }),
    );
  }
  process.stdout.write(JSON.stringify({ statuses, calls, issues }));
})();
