/**
 * The part of systemd this test needs to run a packaged unit without systemd: the [Service] keys,
 * an EnvironmentFile, and ExecStart's variable expansion (systemd.service(5), "Command lines").
 */

/** Every `Key=value` of one section, in order (a key may repeat). */
export function unitSection(text: string, section: string): [string, string][] {
  const out: [string, string][] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const head = /^\[(.+)\]$/.exec(line);
    if (head) current = head[1]!;
    else if (current === section) {
      const eq = line.indexOf('=');
      out.push([line.slice(0, eq), line.slice(eq + 1)]);
    }
  }
  return out;
}

/** `KEY=value` lines of an EnvironmentFile (values optionally in double quotes). */
export function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m) env[m[1]!] = m[2]!.trim().replace(/^"(.*)"$/, '$1');
  }
  return env;
}

/** Splits a command line into words: single and double quotes, as systemd does. */
function words(line: string): { word: string; quoted: boolean }[] {
  const out: { word: string; quoted: boolean }[] = [];
  const re = /'([^']*)'|"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) {
    out.push(m[3] !== undefined ? { word: m[3], quoted: false } : { word: m[1] ?? m[2]!.replace(/\\(.)/g, '$1'), quoted: true });
  }
  return out;
}

/**
 * argv of an Exec line: `${VAR}` is replaced within any word, quoted or not (an empty value leaves an empty
 * argument), a word that is exactly `$VAR` becomes its value split on whitespace (none when empty).
 */
export function execArgv(line: string, env: Record<string, string>): string[] {
  const argv: string[] = [];
  for (const { word, quoted } of words(line.replace(/^[-@:+!]+/, ''))) {
    const bare = /^\$([A-Za-z_][A-Za-z0-9_]*)$/.exec(word);
    if (bare && !quoted) argv.push(...(env[bare[1]!] ?? '').split(/\s+/).filter(Boolean));
    else argv.push(word.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, k: string) => env[k] ?? ''));
  }
  return argv;
}
