// `npx face-verify …`: the integrator's command line (package.json `bin`).
import { resolve } from 'node:path';
import { writeAssets } from '../assets/write-assets';
import { doctorCommand } from './doctor';
import { keysCommand, retentionCommand } from './maintenance';
import { serveCommand } from './serve';
import { UsageError } from './usage';

const USAGE = `usage: face-verify <command>

  assets <dir> [--no-compress]   write models/ and runtime/ (SHA-256 checked, + .br/.gz) under <dir>
  serve [--port N] [--host H] [--data-dir D] [--origins A,B]
                                 the verification endpoint (SQLite in ./data, or FV_STORE=postgres://…)
  keys rotate [--data-dir D]     new HPKE key; the old one decrypts for 24 h more
  retention --once [--data-dir D]
                                 purge what the retention policy says is due, then exit
  doctor [--data-dir D] [--assets DIR] [--endpoint URL]
                                 check keys, store, origins and assets; print the page's CSP

Environment: FV_PORT, FV_HOST, FV_DATA_DIR, FV_STORE, FV_ORIGINS, FV_GRANT_SECRET, FV_AUDIENCE, …
(README "Use it in your app").`;

async function run(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [command, ...args] = argv;
  switch (command) {
    case 'assets': {
      const dir = args.find((a) => !a.startsWith('--'));
      if (!dir) throw new UsageError('assets: which directory? e.g. `face-verify assets public`');
      const started = Date.now();
      console.log(`face-verify assets → ${resolve(dir)}`);
      const r = writeAssets(dir, {
        compress: !args.includes('--no-compress'),
        log: (l) => console.log(l),
      });
      const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
      console.log(
        `${r.written.length} written, ${r.unchanged.length} up to date, all SHA-256 verified; ` +
          `${mb(r.bytes.raw)}` +
          (r.bytes.br ? ` (br ${mb(r.bytes.br)}, gz ${mb(r.bytes.gz)})` : '') +
          ` in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
      return 0;
    }
    case 'serve':
      await serveCommand(args, env);
      return -1; // keeps running until a signal
    case 'keys':
      await keysCommand(args, env);
      return 0;
    case 'retention':
      await retentionCommand(args, env);
      return 0;
    case 'doctor':
      return doctorCommand(args, env);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return 0;
    default:
      throw new UsageError(`unknown command ${command}`);
  }
}

run(process.argv.slice(2), process.env).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`face-verify: ${(e as Error).message}\n\n${USAGE}`);
      process.exitCode = 2;
    } else {
      console.error(`face-verify: ${(e as Error).message}`);
      process.exitCode = 1;
    }
  },
);
