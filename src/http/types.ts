import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import type { Actor } from '../lib/actor.ts';
import type { Clock } from '../lib/clock.ts';
import type { Telemetry } from '../modules/telemetry/telemetry.ts';

/**
 * Who may call a route:
 * public: anyone; read: any signed-in member or an admin key; write: members who change customer data
 * (every role but executive) or an admin key; admin: the admin role or an admin key; ingest: an ingest or admin key;
 * control: the local CLI talking to its own server.
 */
export type Access = 'public' | 'read' | 'write' | 'admin' | 'ingest' | 'control';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyInstance {
    /** Every registered route with the access it declares (buildApp; tests walk it). */
    declaredRoutes(): { method: string | string[]; url: string; access: Access | null }[];
  }
  interface FastifyRequest {
    actor: Actor | undefined;
    sessionToken: string | undefined;
  }
}

export interface AppDeps {
  db: Db;
  clock: Clock;
  config: Config;
  /** Set by `serve`: lets CLI commands on the same embedded data dir ask this server. */
  controlToken?: string | undefined;
  /** Called after ingested events commit (buildApp wires the engine's streaming evaluation here). */
  onIngested?: ((workspaceId: string) => void) | undefined;
  /** This process's Prometheus metrics (created by serve); without it /metrics answers 404 and nothing is measured. */
  telemetry?: Telemetry | undefined;
  /** Set by `serve` when it runs the worker in this process: /readyz answers 503 until the worker runs, and once it stops. */
  workerState?: (() => 'starting' | 'running' | 'stopped') | undefined;
}

export type App = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, ZodTypeProvider>;

/** The signed-in actor; routes behind any access but public always have one. */
export function actorOf(request: { actor: Actor | undefined }): Actor {
  if (!request.actor) throw new Error('route reached without an actor: check its access');
  return request.actor;
}

/** A route file: `export const accountsRoutes = defineRoutes((app, deps) => { app.get(...) })`. */
export function defineRoutes(register: (app: App, deps: AppDeps) => void | Promise<void>) {
  return (deps: AppDeps) => async (instance: FastifyInstance) => {
    await register(instance.withTypeProvider<ZodTypeProvider>() as App, deps);
  };
}
