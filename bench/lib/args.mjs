// Command-line flags of bench/run.mjs. Defaults are the recorded baseline's settings.
const DEFAULTS = {
  reps: 3,
  cases: ['energy', 'tpch'],
  energyScale: 200,
  energyDays: 14,
  tpchScale: 1,
  keep: false,
  baseline: true,
  suites: ['runners', 'query'],
  deltaSizes: [1000, 10000, 100000],
};
const SUITES = ['runners', 'query', 'delta'];

const USAGE = `usage: node bench/run.mjs [--reps N] [--cases energy,tpch] [--energy-scale N] [--energy-days N]
                         [--tpch-scale SF] [--keep] [--no-baseline] [--suites runners,query,delta]
                         [--delta-sizes 1000,10000,100000]`;

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
    else if (flag === '--suites') options.suites = value().split(',').filter(Boolean);
    else if (flag === '--delta-sizes')
      options.deltaSizes = value()
        .split(',')
        .map((v) => positive(flag, v, true));
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
