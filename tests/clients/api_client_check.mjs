// Drives Neon's TypeScript client (@neondatabase/api-client, pinned in package-lock.json) against the
// emulator: projects, branches, endpoints, databases, roles, operations and snapshots, checking each answer.
// Usage: NEON_API_HOST=http://127.0.0.1:PORT/api/v2 NEON_API_KEY=... NODE_CLIENTS=<node_modules> node api_client_check.mjs
// Prints one JSON line {calls: [...], failures: [...]} and exits 1 when a check fails.
// The packages live in the test cache (NODE_CLIENTS), not next to this file: resolve them from there.
import { createRequire } from "node:module";
import { join } from "node:path";

const require = createRequire(join(process.env.NODE_CLIENTS, "package.json"));
const { createApiClient } = require("@neondatabase/api-client");
const api = createApiClient({ apiKey: process.env.NEON_API_KEY, baseURL: process.env.NEON_API_HOST, timeout: 10000 });
const calls = [];
const failures = [];
const TERMINAL = new Set(["finished", "failed", "error", "cancelled", "skipped"]);

function check(what, condition, detail) {
  if (!condition) failures.push(`${what}: ${JSON.stringify(detail)}`);
}

async function call(name, ...args) {
  calls.push(name);
  const response = await api[name](...args);
  return response.data;
}

// Neon's clients wait for a change's operations before the next change (423 otherwise).
async function settle(projectId, data) {
  for (const operation of data.operations ?? []) {
    for (let attempt = 0; attempt < 200; attempt++) {
      const { operation: current } = await call("getProjectOperation", projectId, operation.id);
      if (TERMINAL.has(current.status)) {
        check(`operation ${current.action}`, current.status === "finished", current.status);
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
  return data;
}

async function main() {
  const created = await call("createProject", {
    project: { name: "ts-client", region_id: "aws-eu-central-1", pg_version: 16 },
  });
  const projectId = created.project.id;
  const main = created.branch;
  check("createProject settings", JSON.stringify(created.project.settings.allowed_ips) === '{"ips":[],"protected_branches_only":false}', created.project.settings);
  check("createProject branch", main.default === true && main.name === "main", main);
  check("createProject password", created.roles[0].password?.startsWith("npg_"), created.roles[0].name);
  check("createProject uri", created.connection_uris[0].connection_uri.startsWith("postgresql://neondb_owner:"), "uri");
  await settle(projectId, created);

  const { project } = await call("getProject", projectId);
  check("getProject", project.pg_version === 16 && project.settings.maintenance_window.weekdays.length === 1, project);
  check("getProject defaults", project.default_endpoint_settings.autoscaling_limit_min_cu === 0.25, project.default_endpoint_settings);
  const listed = await call("listProjects", { limit: 5 });
  check("listProjects", listed.projects.some((p) => p.id === projectId), listed.projects.length);
  const shared = await call("listSharedProjects", {});
  check("listSharedProjects", Array.isArray(shared.projects) && shared.projects.length === 0, shared);
  const renamed = await call("updateProject", projectId, { project: { name: "ts-client-renamed" } });
  check("updateProject", renamed.project.name === "ts-client-renamed", renamed.project.name);

  const branched = await settle(projectId, await call("createProjectBranch", projectId, {
    branch: { name: "dev" },
    endpoints: [{ type: "read_write" }],
  }));
  const devId = branched.branch.id;
  check("createProjectBranch", branched.branch.parent_id === main.id && branched.endpoints.length === 1, branched.branch);
  const branches = await call("listProjectBranches", { projectId, sort_by: "name", sort_order: "asc" });
  check("listProjectBranches", branches.branches.map((b) => b.name).join() === "dev,main", branches.branches.map((b) => b.name));
  const { count } = await call("countProjectBranches", { projectId });
  check("countProjectBranches", count === 2, count);
  const { branch: dev } = await call("getProjectBranch", projectId, devId);
  check("getProjectBranch", dev.current_state === "ready", dev.current_state);
  const updated = await call("updateProjectBranch", projectId, devId, { branch: { name: "dev-2" } });
  check("updateProjectBranch", updated.branch.name === "dev-2", updated.branch.name);

  const role = await settle(projectId, await call("createProjectBranchRole", projectId, devId, { role: { name: "app" } }));
  const { password } = await call("getProjectBranchRolePassword", projectId, devId, "app");
  check("getProjectBranchRolePassword", password === role.role.password, "password mismatch");
  const reset = await settle(projectId, await call("resetProjectBranchRolePassword", projectId, devId, "app"));
  check("resetProjectBranchRolePassword", reset.role.password && reset.role.password !== password, "unchanged");
  const database = await settle(projectId, await call("createProjectBranchDatabase", projectId, devId, {
    database: { name: "appdb", owner_name: "app" },
  }));
  check("createProjectBranchDatabase", database.database.owner_name === "app", database.database);
  const { databases } = await call("listProjectBranchDatabases", projectId, devId);
  check("listProjectBranchDatabases", databases.map((d) => d.name).sort().join() === "appdb,neondb", databases.map((d) => d.name));
  const { roles } = await call("listProjectBranchRoles", projectId, devId);
  check("listProjectBranchRoles", roles.every((r) => r.password === undefined) && roles.length === 2, roles);

  const { endpoints } = await call("listProjectEndpoints", projectId);
  check("listProjectEndpoints", endpoints.length === 2, endpoints.length);
  const devEndpoint = branched.endpoints[0].id;
  const tuned = await settle(projectId, await call("updateProjectEndpoint", projectId, devEndpoint, {
    endpoint: { suspend_timeout_seconds: 300 },
  }));
  check("updateProjectEndpoint", tuned.endpoint.suspend_timeout_seconds === 300, tuned.endpoint);
  const suspended = await settle(projectId, await call("suspendProjectEndpoint", projectId, devEndpoint));
  check("suspendProjectEndpoint", suspended.operations[0].action === "suspend_compute", suspended.operations);
  const started = await settle(projectId, await call("startProjectEndpoint", projectId, devEndpoint));
  check("startProjectEndpoint", started.operations[0].action === "start_compute", started.operations);
  const { uri } = await call("getConnectionUri", { projectId, branch_id: devId, database_name: "appdb", role_name: "app", pooled: true });
  check("getConnectionUri", uri.startsWith(`postgresql://app:${reset.role.password}@${devEndpoint}-pooler.`), uri.split("@")[1]);

  const schedule = { schedule: [{ frequency: "daily", hour: 3, retention_seconds: 604800 }] };
  await call("setSnapshotSchedule", projectId, main.id, schedule);
  const gotSchedule = await call("getSnapshotSchedule", projectId, main.id);
  check("getSnapshotSchedule", JSON.stringify(gotSchedule) === JSON.stringify(schedule), gotSchedule);
  const { snapshot } = await call("createSnapshot", { projectId, branchId: main.id, name: "ts-snapshot" });
  check("createSnapshot", snapshot.name === "ts-snapshot" && snapshot.source_branch_id === main.id, snapshot);
  const { snapshots } = await call("listSnapshots", projectId);
  check("listSnapshots", snapshots.length === 1 && snapshots[0].id === snapshot.id, snapshots);
  const restored = await settle(projectId, await call("restoreSnapshot", { projectId, snapshotId: snapshot.id }, { name: "restored" }));
  check("restoreSnapshot", restored.branch.restore_status === "restored" && restored.branch.restored_from === snapshot.id, restored.branch);
  await settle(projectId, await call("finalizeRestoreBranch", projectId, restored.branch.id, { name: "main-before-restore" }));
  const { branch: finalized } = await call("getProjectBranch", projectId, restored.branch.id);
  check("finalizeRestoreBranch", finalized.name === "main" && finalized.default === true, finalized);
  await call("deleteSnapshot", projectId, snapshot.id);

  await settle(projectId, await call("deleteProjectBranchDatabase", projectId, devId, "appdb"));
  const deleted = await settle(projectId, await call("deleteProjectBranch", { projectId, branchId: devId }));
  check("deleteProjectBranch", deleted.branch.id === devId, deleted.branch.id);
  const history = await call("listProjectOperations", { projectId, limit: 100 });
  check("listProjectOperations", history.operations.at(-1).action === "create_timeline", history.operations.at(-1));

  try {
    calls.push("getProject");
    await api.getProject("no-such-project-1");
    check("getProject unknown", false, "no error");
  } catch (error) {
    check("getProject unknown", error.response?.status === 404 && error.response.data.code === "NOT_FOUND", error.response?.data);
  }
  const gone = await call("deleteProject", projectId);
  check("deleteProject", gone.project.id === projectId, gone.project.id);
}

main()
  .catch((error) => failures.push(`${error.message} ${JSON.stringify(error.response?.data ?? "")}`))
  .finally(() => {
    console.log(JSON.stringify({ calls, failures }));
    process.exitCode = failures.length ? 1 : 0;
  });
