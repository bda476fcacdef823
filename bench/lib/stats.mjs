// Summary statistics of repeated wall times and peak memory.
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function summarize(samples) {
  const seconds = samples.map((s) => s.seconds);
  const cpu = samples.map((s) => s.cpuSeconds);
  const rss = samples.map((s) => s.maxRssMb);
  return {
    seconds: seconds.map((v) => round(v)),
    medianSeconds: round(median(seconds)),
    minSeconds: round(Math.min(...seconds)),
    maxSeconds: round(Math.max(...seconds)),
    cpuSeconds: cpu.map((v) => round(v)),
    medianCpuSeconds: round(median(cpu)),
    peakRssMb: rss.map((v) => Math.round(v)),
    medianPeakRssMb: Math.round(median(rss)),
    maxPeakRssMb: Math.round(Math.max(...rss)),
    load1AtStart: samples.map((s) => round(s.load1, 2)),
  };
}

export function round(n, digits = 3) {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
