import { type Kysely, sql } from 'kysely';

// Ad-hoc tasks: a moment instance a member creates on an account, without a model. It has no model, version or
// moment definition, so its title, description and channel are its own; `rule` says 'task'.
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of [
    sql`alter table moment_instances alter column model_id drop not null`,
    sql`alter table moment_instances alter column model_version_id drop not null`,
    sql`alter table moment_instances add column title text`,
    sql`alter table moment_instances add column description text`,
    sql`alter table moment_instances add column channel text`,
    sql`alter table moment_instances add column created_by uuid`,
    sql`alter table moment_instances drop constraint moment_instances_rule_check`,
    sql`alter table moment_instances add constraint moment_instances_rule_check check (rule in ('scheduled','event','metric','absence','expectation','task'))`,
    // A task has a title and no model; a model's moment has a model and version.
    sql`alter table moment_instances add constraint moment_instances_task_check check (
      case when rule = 'task' then title is not null and model_id is null and model_version_id is null
      else model_id is not null and model_version_id is not null end)`,
  ]) {
    await statement.execute(db);
  }
}
