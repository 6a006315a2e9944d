/**
 * How long a shutdown (SIGTERM, SIGINT) may take: requests in flight finish and running jobs end (pg-boss gives them
 * 10 s), then the process exits; past this bound it exits anyway, with code 1 (inside Kubernetes' default 30 s).
 */
export const SHUTDOWN_GRACE_MS = 25_000;

/** Called when a shutdown starts: the process exits with code 1 if the graceful path has not ended it in time. */
export function exitAnywayAfterGrace(log: (message: string) => void): void {
  setTimeout(() => {
    log(`shutdown took longer than ${SHUTDOWN_GRACE_MS / 1000} s: exiting with work unfinished`);
    process.exit(1);
  }, SHUTDOWN_GRACE_MS).unref();
}
