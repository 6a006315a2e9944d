import cliProgress from 'cli-progress';
import type { CommandIO } from './command.ts';

/** Terminal IO: a progress bar per label on a TTY (a line every 10% otherwise, so CI logs stay short). */
export function terminalIO(): CommandIO & { done(): void } {
  let bar: cliProgress.SingleBar | undefined;
  let barLabel = '';
  let lastPercent = -1;
  const stop = () => {
    bar?.stop();
    bar = undefined;
  };
  return {
    out: (line) => {
      stop();
      process.stdout.write(`${line}\n`);
    },
    err: (line) => {
      stop();
      process.stderr.write(`${line}\n`);
    },
    progress: (label, done, total) => {
      if (!process.stderr.isTTY) {
        const percent = total > 0 ? Math.floor((done / total) * 10) * 10 : 100;
        if (label !== barLabel || percent !== lastPercent) process.stderr.write(`${label}: ${done}/${total} (${percent}%)\n`);
        barLabel = label;
        lastPercent = percent;
        return;
      }
      if (!bar || label !== barLabel) {
        stop();
        barLabel = label;
        bar = new cliProgress.SingleBar(
          { format: `${label} [{bar}] {percentage}% | {value}/{total} | ETA {eta}s`, stream: process.stderr, hideCursor: true },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, done);
      }
      bar.update(done);
      if (done >= total) stop();
    },
    done: stop,
  };
}
