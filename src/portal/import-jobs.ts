import { randomBytes } from "node:crypto";
import type { ImportReport } from "../onboarding/import.ts";
import type { ImportProgress } from "../onboarding/off-thread.ts";

/**
 * CSV imports started from the portal, followed on their own page while they run
 * (`/onboarding/imports/<id>`). The import itself runs in the server's import worker and commits
 * all rows or none; what is kept here is only how far it has got and its outcome, in memory, for the
 * session that started it: the worker posts its progress to this process, never to the database
 * (the import's write transaction holds the write lock while it runs). A restart forgets the job,
 * and the import it ran was rolled back with the worker (docs/portal.md).
 */
export interface ImportJobState {
  readonly id: string;
  readonly session: string;
  readonly fileName: string | null;
  readonly dryRun: boolean;
  /** The file, kept until a clean check has offered "Import this file" (then held by the staging), else dropped when done. */
  data: Buffer;
  readonly startedAt: number;
  progress: ImportProgress;
  /** Set when the import has finished. */
  report: ImportReport | null;
  /** A refusal (a malformed file, another import running), said as the API says it. */
  error: string | null;
  finishedAt: number | null;
  /** After a clean check: the held file's token for "Import this file". */
  token: string | null;
}

export class ImportJobs {
  private readonly jobs = new Map<string, ImportJobState>();
  constructor(
    private readonly clock: () => number,
    private readonly keepMs = 30 * 60_000,
    private readonly maxJobs = 16,
  ) {}

  /** Registers a job and runs `work` with a progress callback; never rejects (the outcome is kept). */
  start(session: string, fileName: string | null, dryRun: boolean, data: Buffer, work: (progress: (p: ImportProgress) => void) => Promise<ImportReport>, describe: (err: unknown) => string | null): ImportJobState {
    const now = this.clock();
    this.prune(now);
    const job: ImportJobState = { id: randomBytes(18).toString("base64url"), session, fileName, dryRun, data, startedAt: now, progress: { checked: 0, written: 0, total: null }, report: null, error: null, finishedAt: null, token: null };
    this.jobs.set(job.id, job);
    for (const [k, j] of this.jobs) {
      if (this.jobs.size <= this.maxJobs) break;
      if (j.finishedAt !== null) this.jobs.delete(k);
    }
    work((p) => {
      job.progress = p;
    }).then(
      (report) => {
        job.report = report;
        if (!(report.dryRun && report.accepted)) job.data = Buffer.alloc(0);
        job.finishedAt = this.clock();
      },
      (err: unknown) => {
        job.error = describe(err) ?? "the import failed; the error was logged and nothing was written";
        job.data = Buffer.alloc(0);
        job.finishedAt = this.clock();
      },
    );
    return job;
  }

  /** The job, for the session that started it only. */
  get(session: string, id: string): ImportJobState | null {
    this.prune(this.clock());
    const j = this.jobs.get(id);
    return j && j.session === session ? j : null;
  }

  private prune(now: number): void {
    for (const [k, j] of this.jobs) if (j.finishedAt !== null && now - j.finishedAt > this.keepMs) this.jobs.delete(k);
  }
}
