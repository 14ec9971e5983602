/**
 * What `pnpm run deploy` does, as data: which Workers, in which order, which secrets each needs,
 * and the deploy-time copy of a wrangler.toml that carries the real D1 id. No I/O beyond reading
 * the configs, so the order and the rewriting are checked without an account.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { REPO_ROOT, WORKERS } from "@burrow/local-edge";
import { unstable_readConfig as readConfig } from "wrangler";

/** The D1 database every Burrow Worker's `DB` binding names. */
export const DATABASE_NAME = "burrow";

/**
 * Workers on the list that are examples, not part of a deployment (the VPC demo's consumer).
 * A user's own consumer is deployed from its own project.
 */
const NOT_DEPLOYED = new Set(["burrow-example-consumer"]);

/**
 * Secrets by Worker, as each wrangler.toml's comments describe them. `when` says when one is
 * optional; the Worker runs without it (closed management API, D1-only DNS).
 */
export const SECRETS: Record<string, Array<{ name: string; why: string }>> = {
  "burrow-api": [
    {
      name: "ADMIN_TOKEN",
      why: "the operator's token for /client/v4; unset = every call answers 401",
    },
    { name: "TUNNEL_SECRET_KEY", why: "seals tunnel secrets so GET /token works" },
    { name: "CF_API_TOKEN", why: "only with CF_ZONE_ID set: real DNS records" },
  ],
  "burrow-quick-tunnel": [{ name: "CF_API_TOKEN", why: "only with CF_ZONE_ID set: real DNS" }],
  "burrow-reaper": [{ name: "CF_API_TOKEN", why: "only with CF_ZONE_ID set: deletes records" }],
};

/** One Worker to deploy. */
export interface PlannedWorker {
  name: string;
  /** Its committed wrangler config, absolute. */
  config: string;
  /** Whether it has the `DB` binding to {@link DATABASE_NAME} (its copy gets the real id). */
  usesDatabase: boolean;
  /** Workers whose Durable Object classes it binds (`script_name`): deployed before it. */
  needsBefore: string[];
  /** Workers it calls by service binding: deployed before it unless that makes a cycle. */
  callsInto: string[];
}

/** The parts of a parsed wrangler config the plan reads. */
interface WorkerConfigShape {
  name?: string;
  d1_databases: Array<{ database_name?: string }>;
  durable_objects: { bindings: Array<{ script_name?: string }> };
  services?: Array<{ service: string }>;
}

/** Reads every deployable Worker's config. */
export function readWorkers(): PlannedWorker[] {
  return WORKERS.map((worker) => path.join(REPO_ROOT, worker.config)).flatMap((config) => {
    const parsed = readConfig({ config }) as unknown as WorkerConfigShape;
    if (!parsed.name || NOT_DEPLOYED.has(parsed.name)) return [];
    return [
      {
        name: parsed.name,
        config,
        usesDatabase: parsed.d1_databases.some((db) => db.database_name === DATABASE_NAME),
        needsBefore: [
          ...new Set(
            parsed.durable_objects.bindings
              .map((binding) => binding.script_name)
              .filter((name): name is string => !!name && name !== parsed.name),
          ),
        ],
        callsInto: [...new Set(parsed.services?.map((service) => service.service) ?? [])],
      },
    ];
  });
}

/**
 * Orders Workers so that each comes after the Workers whose Durable Objects it binds: Cloudflare
 * rejects a DO binding to a class the named script does not export yet. Service bindings are
 * followed too where they do not close a cycle; the edge and the Workers binding its Tunnel DO
 * call each other, so there the DO binding wins and the edge goes first (its service bindings
 * resolve once the others are up, a moment later in the same run).
 */
export function deployOrder(workers: PlannedWorker[]): PlannedWorker[] {
  const byName = new Map(workers.map((worker) => [worker.name, worker]));
  const hardDeps = (worker: PlannedWorker) => worker.needsBefore.filter((name) => byName.has(name));
  /** Whether `later` binds (transitively) a Durable Object of `earlier`, so must follow it. */
  const mustFollow = (later: string, earlier: string, seen = new Set<string>()): boolean => {
    if (seen.has(later)) return false;
    seen.add(later);
    const worker = byName.get(later);
    if (!worker) return false;
    return hardDeps(worker).some((dep) => dep === earlier || mustFollow(dep, earlier, seen));
  };
  const ordered: PlannedWorker[] = [];
  const placed = new Set<string>();
  const visiting = new Set<string>();
  const place = (worker: PlannedWorker) => {
    if (placed.has(worker.name) || visiting.has(worker.name)) return;
    visiting.add(worker.name);
    for (const dep of hardDeps(worker)) place(byName.get(dep) as PlannedWorker);
    for (const callee of worker.callsInto) {
      const target = byName.get(callee);
      // A callee that must itself follow this Worker (it binds our DO) comes later.
      if (target && !mustFollow(callee, worker.name)) place(target);
    }
    visiting.delete(worker.name);
    placed.add(worker.name);
    ordered.push(worker);
  };
  for (const worker of workers) place(worker);
  return ordered;
}

/**
 * The deploy-time text of a Worker's wrangler.toml: the committed file with the `burrow`
 * database's `database_id` replaced by the real one. It is written next to the original (so
 * `main`, `migrations_dir` and the other relative paths mean the same) and removed after; the
 * committed files keep their local placeholder id, so `git status` stays clean.
 */
export function configWithDatabaseId(configText: string, databaseId: string): string {
  return configText.replace(
    /(\[\[d1_databases\]\][^[]*?database_name\s*=\s*"burrow"[^[]*?database_id\s*=\s*")[^"]*(")/g,
    `$1${databaseId}$2`,
  );
}

/** Reads a config's text (kept here so callers do not need fs for the plan). */
export function readConfigText(config: string): string {
  return readFileSync(config, "utf8");
}
