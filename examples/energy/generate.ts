import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Deterministic synthetic landing files for the energy example, shaped like a
 * metering pipeline: per-day meter readings (15-minute kWh), per-day hourly
 * prices, and full snapshots of sites and meters. Each batch adds `days` new
 * days; from batch 2 on it also restates the previous day for some meters and
 * changes a site (capacity upgrade) and adds one, so incremental models have
 * work to do.
 */
export interface EnergyFileOptions {
  /** Number of sites (each has an import and an export meter). */
  scale: number;
  /** Days of readings per batch. */
  days: number;
  /** First day of batch 1, `YYYY-MM-DD`. */
  startDate: string;
  /** 1-based batch number. */
  batch: number;
}

export interface GeneratedFiles {
  files: string[];
  readingRows: number;
}

const REGIONS = ['NO1', 'NO2', 'SE3', 'DK1'];
const ASSET_TYPES = ['solar', 'wind', 'battery', 'grid'];

export function generateEnergyFiles(dir: string, options: EnergyFileOptions): GeneratedFiles {
  const { scale, days, batch } = options;
  if (batch < 1 || days < 1 || scale < 1) throw new Error('scale, days and batch must be at least 1');
  const files: string[] = [];
  const write = (relativePath: string, header: string, rows: string[]) => {
    const path = join(dir, relativePath);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, [header, ...rows].join('\n') + '\n');
    files.push(path);
  };
  const tag = `b${String(batch).padStart(3, '0')}`;

  const sites = sitesFor(scale, batch);
  write(
    `sites/sites_${tag}.csv`,
    'site_id,site_name,region_code,asset_type,capacity_kw',
    sites.map((s) => `${s.id},${s.name},${s.region},${s.assetType},${s.capacityKw}`),
  );
  write(
    `meters/meters_${tag}.csv`,
    'meter_id,site_id,direction',
    sites.flatMap((s) => [`${s.id}-I,${s.id},import`, `${s.id}-E,${s.id},export`]),
  );

  let readingRows = 0;
  const firstDay = addDays(options.startDate, (batch - 1) * days);
  for (let d = 0; d < days; d++) {
    const day = addDays(firstDay, d);
    const random = prng(hash(`${day}|readings`));
    const rows: string[] = [];
    for (const site of sites) {
      for (const direction of ['I', 'E'] as const) {
        for (let q = 0; q < 96; q++) {
          const kwh = readingKwh(site, direction, q, random);
          // A few gaps the staging post-hook removes.
          const value = random() < 0.002 ? '' : kwh.toFixed(3);
          rows.push(`${site.id}-${direction},${day} ${quarter(q)},${value},A`);
        }
      }
    }
    readingRows += rows.length;
    write(`readings/readings_${day}_${tag}.csv`, 'meter_id,reading_ts,kwh,quality_flag', rows);
    write(`prices/prices_${day}_${tag}.csv`, 'price_hour,zone,price_eur_mwh', pricesFor(day, 1));
  }

  if (batch > 1) {
    // Restatement: estimated values for the last day of the previous batch replaced by actuals.
    const day = addDays(firstDay, -1);
    const random = prng(hash(`${day}|restated|${batch}`));
    const rows: string[] = [];
    for (const site of sites.slice(0, scale).filter((_, i) => i % 3 === 0)) {
      for (let q = 0; q < 96; q += 4) rows.push(`${site.id}-I,${day} ${quarter(q)},${(random() * 5).toFixed(3)},R`);
    }
    readingRows += rows.length;
    write(`readings/readings_${day}_${tag}.csv`, 'meter_id,reading_ts,kwh,quality_flag', rows);
    write(`prices/prices_${day}_${tag}.csv`, 'price_hour,zone,price_eur_mwh', pricesFor(day, batch));
  }
  return { files, readingRows };
}

interface Site {
  id: string;
  name: string;
  region: string;
  assetType: string;
  capacityKw: number;
}

function sitesFor(scale: number, batch: number): Site[] {
  const count = scale + (batch - 1);
  const sites: Site[] = [];
  for (let i = 1; i <= count; i++) {
    const random = prng(hash(`site|${i}`));
    const upgraded = batch > 1 && i % 4 === 1 && i <= scale;
    const base = 50 + Math.floor(random() * 950);
    sites.push({
      id: `S${String(i).padStart(4, '0')}`,
      name: `Site ${i}`,
      region: REGIONS[i % REGIONS.length]!,
      assetType: ASSET_TYPES[i % ASSET_TYPES.length]!,
      capacityKw: upgraded ? base + 100 * (batch - 1) : base,
    });
  }
  return sites;
}

function readingKwh(site: Site, direction: 'I' | 'E', q: number, random: () => number): number {
  const hour = q / 4;
  const daylight = Math.max(0, Math.sin(((hour - 6) / 12) * Math.PI));
  const scale = site.capacityKw / 1000;
  if (direction === 'E') {
    const profile = site.assetType === 'solar' ? daylight : site.assetType === 'wind' ? 0.4 + 0.3 * random() : 0.1;
    return profile * scale * 2 * (0.8 + 0.4 * random());
  }
  return (0.5 + 0.5 * Math.sin(((hour - 9) / 24) * 2 * Math.PI) + random() * 0.3) * scale;
}

function pricesFor(day: string, version: number): string[] {
  const rows: string[] = [];
  for (const zone of REGIONS) {
    const random = prng(hash(`${day}|${zone}|${version}`));
    for (let h = 0; h < 24; h++) {
      const price = 30 + 40 * Math.sin(((h - 7) / 24) * 2 * Math.PI) ** 2 + random() * 15;
      rows.push(`${day} ${String(h).padStart(2, '0')}:00:00,${zone},${price.toFixed(2)}`);
    }
  }
  return rows;
}

function quarter(q: number): string {
  const minutes = q * 15;
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}:00`;
}

function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

/** mulberry32: small, fast, deterministic. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
