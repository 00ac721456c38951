// geo.js - the simulated province's map (GB/T 2260 330000, Zhejiang) from
// vendor/geo, registered with ECharts once; city names for region codes.
import { echartsReady } from './api.js';
import { cityNames } from './util.js';

export const MAP_NAME = 'cs-330000';
export const PROVINCE = '330000';
let loading = null;

export function loadMap() {
  if (!loading) {
    loading = fetch(`vendor/geo/${PROVINCE}.json`).then((r) => {
      if (!r.ok) throw new Error(`map ${PROVINCE}: HTTP ${r.status}`);
      return r.json();
    }).then(async (geo) => {
      await echartsReady();
      for (const f of geo.features) cityNames.set(String(f.properties.adcode), f.properties.name);
      echarts.registerMap(MAP_NAME, geo);
      return geo;
    });
  }
  return loading;
}

// The city feature name covering a region code (district -> its city).
export function cityOf(code) {
  const c = String(code || '');
  return cityNames.get(c) || cityNames.get(`${c.slice(0, 4)}00`) || null;
}

// A circle of radius km around [lon, lat] as a lon/lat ring.
export function circle(lon, lat, km, n = 48) {
  const ring = [];
  const dLat = km / 111.32;
  const dLon = km / (111.32 * Math.cos((lat * Math.PI) / 180));
  for (let i = 0; i <= n; i++) {
    const a = (2 * Math.PI * i) / n;
    ring.push([lon + dLon * Math.cos(a), lat + dLat * Math.sin(a)]);
  }
  return ring;
}
