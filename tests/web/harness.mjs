// tests/web/harness.mjs: what the browser tests of one page share (review.test.mjs,
// record.test.mjs): their arguments, a scratch home, `custody` commands in it, a `custody serve`
// on a free port, Debian's Chromium through playwright-core, and on failure the page's text, a
// screenshot and the service's log in the artifact folder; everything stopped and removed after.
//
// usage of a test: node tests/web/NAME.test.mjs CUSTODY CUSTODY_WORKER ARTIFACT_DIR
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const CHROMIUM = '/usr/bin/chromium';

/** The test `name`: parses the arguments and checks Chromium and playwright-core (exit 1 with a
 * clear line when missing), then runs `main(h)` under a 120 s watchdog and exits 0 or 1. `h`:
 * home, run(args, input) (a custody command in the home; throws unless it exits 0),
 * startService() (its port), launch() (the browser) and watch(page) (the tab whose text a
 * failure prints). */
export async function browserTest(name, main) {
  const [custody, worker, artifacts] = process.argv.slice(2);
  const die = (msg) => {
    console.error(`${name}.test: ${msg}`);
    process.exit(1);
  };
  if (!custody || !worker || !artifacts) die(`usage: node tests/web/${name}.test.mjs CUSTODY CUSTODY_WORKER ARTIFACT_DIR`);
  if (!existsSync(CHROMIUM)) die(`${CHROMIUM} is missing: apt-get install chromium (scripts/setup.sh test does)`);
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch (e) {
    die(`playwright-core is not installed (${e.message}): run npm ci --prefix tests/web`);
  }
  mkdirSync(artifacts, { recursive: true });
  const dir = mkdtempSync(path.join(tmpdir(), `custody-${name}-`));
  const home = path.join(dir, 'home');
  let service = null;
  let serviceLog = '';
  let browser = null;
  let current = null;

  const h = {
    home,
    run(args, input) {
      const r = spawnSync(custody, [...args, '--home', home], { encoding: 'utf8', timeout: 120_000, input });
      if (r.status !== 0) throw new Error(`custody ${args.join(' ')} exited ${r.status}: ${r.stderr.trim()}`);
      return r.stdout;
    },
    async startService() {
      service = spawn(custody, ['serve', '--home', home, '--set', 'api.listen=127.0.0.1:0', '--set', 'worker.count=1'],
        { stdio: ['ignore', 'pipe', 'pipe'] });
      service.stdout.on('data', (d) => { serviceLog += d; });
      service.stderr.on('data', (d) => { serviceLog += d; });
      for (let i = 0; i < 200; i++) {
        const m = /"api\.listening".*"listen":"127\.0\.0\.1:(\d+)"/.exec(serviceLog);
        if (m) return Number(m[1]);
        if (service.exitCode !== null) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`custody serve did not listen:\n${serviceLog}`);
    },
    async launch() {
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
      return browser;
    },
    watch(page) {
      current = page;
      return page;
    },
  };

  let failed = false;
  const watchdog = setTimeout(() => {
    console.error(`${name}.test: took longer than 120 s; service log:\n${serviceLog.slice(-3000)}`);
    service?.kill('SIGKILL');
    process.exit(1);
  }, 120_000);
  try {
    await main(h);
    console.log(`${name}: browser ok`);
  } catch (e) {
    failed = true;
    console.error(`${name}.test: FAIL: ${e.stack || e}`);
    if (current) {
      console.error(`at ${current.url()}:\n${await current.evaluate(() => document.body.innerText).catch(() => '')}`);
      await current.screenshot({ path: path.join(artifacts, `${name}-failed.png`), fullPage: true }).catch(() => {});
    }
    writeFileSync(path.join(artifacts, `${name}-serve.log`), serviceLog);
  } finally {
    if (browser) await browser.close().catch(() => {});
    if (service && service.exitCode === null) {
      const done = new Promise((r) => service.once('exit', r));
      service.kill('SIGTERM');
      await done;
    }
    rmSync(dir, { recursive: true, force: true });
    clearTimeout(watchdog);
  }
  process.exit(failed ? 1 : 0);
}
