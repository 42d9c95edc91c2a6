// Command-line parsing with node's own util.parseArgs: the CLI's options are few and flat,
// so a parser library would add weight and nothing else.
import { parseArgs } from 'node:util';
import { parseDuration } from '../retry/policy';

/** Exit codes, documented in --help and the README. */
export const EXIT = { ok: 0, failed: 1, usage: 2, invalid: 3, store: 4, timeout: 124, crashed: 125, interrupted: 130 } as const;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface CliArgs {
  command: string | undefined;
  positionals: string[];
  mode?: string;
  version?: string;
  set: string[];
  json: boolean;
  run?: string;
  data?: string;
  out?: string;
  store?: string;
  stopAfter?: string;
  /** Whole-run and per-stage time limits in ms (`--timeout`, `--stage-timeout`). */
  timeoutMs?: number;
  stageTimeoutMs?: number;
  /** Heap limit for the run process in MB (`--max-memory`). */
  maxMemoryMb?: number;
  all: boolean;
  /** versions rm: delete a version that holds an alias (and the alias). */
  force: boolean;
  /** versions list: order by this metric (best first) and the metrics to show. */
  sort?: string;
  metric: string[];
  help: boolean;
  showVersion: boolean;
  color: boolean;
}

export function parseCli(argv: string[]): CliArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        mode: { type: 'string', short: 'm' },
        version: { type: 'string' },
        set: { type: 'string', multiple: true, short: 's' },
        json: { type: 'boolean' },
        run: { type: 'string' },
        data: { type: 'string' },
        out: { type: 'string', short: 'o' },
        store: { type: 'string' },
        'stop-after': { type: 'string' },
        timeout: { type: 'string' },
        'stage-timeout': { type: 'string' },
        'max-memory': { type: 'string' },
        all: { type: 'boolean' },
        force: { type: 'boolean' },
        sort: { type: 'string' },
        metric: { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
        'no-color': { type: 'boolean' },
        V: { type: 'boolean' },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const v = parsed.values;
  const [command, ...positionals] = parsed.positionals;
  return {
    command,
    positionals,
    mode: v.mode,
    version: v.version,
    set: v.set ?? [],
    json: v.json ?? false,
    run: v.run,
    data: v.data,
    out: v.out,
    store: v.store,
    stopAfter: v['stop-after'],
    timeoutMs: durationOption('--timeout', v.timeout),
    stageTimeoutMs: durationOption('--stage-timeout', v['stage-timeout']),
    maxMemoryMb: memoryOption(v['max-memory']),
    all: v.all ?? false,
    force: v.force ?? false,
    sort: v.sort,
    metric: (v.metric ?? []).flatMap((m) => m.split(',')).map((m) => m.trim()).filter((m) => m !== ''),
    help: v.help ?? false,
    showVersion: v.V ?? false,
    color: !v['no-color'] && !process.env.NO_COLOR,
  };
}

function durationOption(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseDuration(text);
  if (ms === undefined || !Number.isFinite(ms) || ms <= 0 || ms > MAX_TIMER_MS) {
    throw new UsageError(`${flag} must be a duration such as 90s, 10m or 1h30m (up to 24 days), not '${text}'`);
  }
  return ms;
}

function memoryOption(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const mb = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isSafeInteger(mb) || mb < 64 || mb > 1_048_576) {
    throw new UsageError(`--max-memory must be a whole number of megabytes from 64, not '${text}'`);
  }
  return mb;
}

/** setTimeout's own ceiling (2^31 − 1 ms, about 24.8 days). */
const MAX_TIMER_MS = 2_147_483_647;

export const HELP = `plumb — run, validate and inspect ML pipelines (*.pipeline.yaml)

Usage:
  plumb run FILE [--mode train|inference] [--version N|ALIAS] [--set key=value]...
                 [--data PATH] [--out PATH] [--stop-after STAGE] [--store DIR] [--json]
                 [--timeout DURATION] [--stage-timeout DURATION] [--max-memory MB]
  plumb validate FILE [--json]
  plumb versions FILE [list] [--sort METRIC] [--metric NAME]... [--json]
  plumb versions FILE show N|ALIAS|latest [--json]
  plumb versions FILE rm N|ALIAS [--force]
  plumb versions FILE tag ALIAS N|latest
  plumb versions FILE untag ALIAS
  plumb versions FILE diff A B [--json]
  plumb runs FILE [--json]
  plumb metrics FILE [--run ID] [--all] [--json]
  plumb trace FILE [--run ID]
  plumb gc FILE [--json]
  plumb stages [--json]

Options:
  -m, --mode        train (default) fits feature stages and trains, saving a version;
                    inference replays a saved version's feature state and predicts
      --version     version for inference: a number, 'latest' (default) or an alias
  -s, --set         override a pipeline param, e.g. --set learning_rate=0.05 (repeatable)
      --data        input data file instead of the pipeline's data: entry
  -o, --out         write the final table to this file (.csv, .tsv, .json, .arrow,
                    .ipc or .feather; another extension is refused before the run)
      --stop-after  end the run after this stage (nothing is saved)
      --store       store folder (default: the pipeline's store:, else .plumb beside it)
      --timeout     run: end the run (exit 124) if it has not finished within this
                    duration, e.g. 30m; enforced from outside the run, so a stage stuck
                    in a synchronous loop is stopped too
      --stage-timeout  run: the same limit for each stage, e.g. 90s
      --max-memory  run: heap limit of the run in MB; a run that exceeds it (or the
                    machine's default limit) is reported with the stage and exit 125
      --run         a run id for metrics/trace (default: the latest run)
      --all         metrics: aggregate across all runs of the pipeline
      --force       versions rm: also delete a version that holds an alias (and the alias)
      --sort        versions: best first by this metric (lowest first for rmse, mae,
                    mse, loss and *_error; highest first for the others)
      --metric      versions: show these metrics (repeatable, or comma-separated)
      --json        machine-readable output on stdout
      --no-color    plain text (also when NO_COLOR is set or output is not a terminal)

Exit codes: 0 ok, 1 the run failed (a stage threw, returned bad data, called
            process.exit or left a promise that can never settle), 2 usage error,
            3 invalid pipeline file, 4 store error (not found, damaged, bad name),
            124 timed out (--timeout / --stage-timeout), 125 the run process died
            (out of memory, or killed by a signal), 130 interrupted.
`;
