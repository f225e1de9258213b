// JSON-lines logger. Callers pass only operational fields (route, status, code, ms, ids of
// sessions); never vectors, subject ids, device keys, IPs or consent contents.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  log(
    level: LogLevel,
    event: string,
    fields?: Record<string, string | number | boolean | null>,
  ): void;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function jsonLogger(
  write: (line: string) => void = (l) => process.stdout.write(l + '\n'),
  min: LogLevel = 'info',
): Logger {
  return {
    log(level, event, fields = {}) {
      if (ORDER[level] < ORDER[min]) return;
      write(JSON.stringify({ t: new Date().toISOString(), level, event, ...fields }));
    },
  };
}

export const silentLogger: Logger = { log() {} };
