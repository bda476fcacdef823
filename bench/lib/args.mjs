// Command-line flags of bench/run.mjs. Defaults are the recorded baseline's settings.
const DEFAULTS = {
  reps: 3,
  cases: ['energy', 'tpch', 'tpcds'],
  energyScale: 200,
  energyDays: 14,
  tpchScale: 1,
  tpcdsScale: 0.1,
  tpcdsThreads: 1,
  floor: true,
  keep: false,
  baseline: true,
  suites: ['runners', 'query', 'publish'],
  icebergFiles: [1000, 10000],
  publishKs: [10, 100, 1000],
  publishLabel: '',
  deltaSizes: [1000, 10000, 100000],
  noopCli: '',
};
const SUITES = ['runners', 'query', 'publish', 'delta', 'iceberg', 'teammode', 'noop'];

const USAGE = `usage: node bench/run.mjs [--reps N] [--cases energy,tpch,tpcds] [--energy-scale N] [--energy-days N]
                         [--tpch-scale SF] [--tpcds-scale SF] [--tpcds-threads N] [--no-floor] [--keep] [--no-baseline]
                         [--suites runners,query,publish,delta,iceberg,teammode,noop] [--iceberg-files 1000,10000]
                         [--publish-ks 10,100,1000] [--publish-label before] [--delta-sizes 1000,10000,100000] [--delta-label L]
                         [--noop-cli path/to/other/cli.js]`;

export function parseArgs(argv) {
  const options = { ...DEFAULTS };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
      return v;
    };
    if (flag === '--reps') options.reps = positive(flag, value(), true);
    else if (flag === '--cases') options.cases = value().split(',').filter(Boolean);
    else if (flag === '--energy-scale') options.energyScale = positive(flag, value(), true);
    else if (flag === '--energy-days') options.energyDays = positive(flag, value(), true);
    else if (flag === '--tpch-scale') options.tpchScale = positive(flag, value(), false);
    else if (flag === '--tpcds-scale') options.tpcdsScale = positive(flag, value(), false);
    else if (flag === '--tpcds-threads') options.tpcdsThreads = positive(flag, value(), true);
    else if (flag === '--no-floor') options.floor = false;
    else if (flag === '--suites') options.suites = value().split(',').filter(Boolean);
    else if (flag === '--iceberg-files')
      options.icebergFiles = value()
        .split(',')
        .map((v) => positive(flag, v, true));
    else if (flag === '--publish-ks')
      options.publishKs = value()
        .split(',')
        .map((k) => positive(flag, k, true));
    else if (flag === '--publish-label') options.publishLabel = value().replace(/[^\w-]/g, '');
    else if (flag === '--delta-label') options.deltaLabel = value().replace(/[^\w-]/g, '');
    else if (flag === '--delta-sizes')
      options.deltaSizes = value()
        .split(',')
        .map((v) => positive(flag, v, true));
    else if (flag === '--noop-cli') options.noopCli = value();
    else if (flag === '--keep') options.keep = true;
    else if (flag === '--no-baseline') options.baseline = false;
    else if (flag === '--help' || flag === '-h') throw new Error(USAGE);
    else throw new Error(`unknown flag ${flag}\n${USAGE}`);
  }
  for (const s of options.suites) if (!SUITES.includes(s)) throw new Error(`unknown suite ${s}\n${USAGE}`);
  for (const c of options.cases) if (!DEFAULTS.cases.includes(c)) throw new Error(`unknown case ${c}\n${USAGE}`);
  return options;
}

function positive(flag, text, integer) {
  const n = Number(text);
  if (!(n > 0) || (integer && !Number.isInteger(n)))
    throw new Error(`${flag} must be a positive ${integer ? 'integer' : 'number'}`);
  return n;
}
